"""The generator contract, request/artifact types and the entry-point registry."""

from studio.plugins.contract import (
    AnyGenerator,
    Artifact,
    Backend,
    Cancelled,
    CancelToken,
    Generator,
    InputError,
    MediaType,
    NeverCancel,
    Params,
    ProgressCallback,
    Rendered,
    Request,
    check_cancel,
    no_progress,
)
from studio.plugins.registry import GROUP, PluginError, PluginLoadError, PluginNotFound, Registry

__all__ = [
    "GROUP",
    "AnyGenerator",
    "Artifact",
    "Backend",
    "CancelToken",
    "Cancelled",
    "Generator",
    "InputError",
    "MediaType",
    "NeverCancel",
    "Params",
    "PluginError",
    "PluginLoadError",
    "PluginNotFound",
    "ProgressCallback",
    "Registry",
    "Rendered",
    "Request",
    "check_cancel",
    "no_progress",
]
