"""What a params field means to the studio, declared by the plugin as data (CONTRIBUTING,
"Adding a generator").

The core never lists a generator's params by name: it asks which fields carry a role. A
field takes roles as ``Annotated`` markers (pydantic keeps them in ``FieldInfo.metadata``)::

    text: Annotated[str, Role.OPTION, Role.MULTILINE] = Field(..., description="…")

One field may carry several roles. :func:`check_roles` (run by the conformance suite) says
when a role names a field of the wrong type.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, Final, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo


class Role(StrEnum):
    """A field's meaning to the front ends."""

    OPTION = "option"  # a top-level command option (--name) and a batch line key
    INPUT_FILE = "input-file"  # a file the generation reads (picker; batch paths; resume)
    MODEL_REF = "model-ref"  # a local model file or folder, or a name (picker; batch; resume)
    MULTILINE = "multiline"  # text that may span lines (a text area, not a line edit)
    ARC_LENGTH = "arc-length"  # length in seconds; set to the arc's end when following an arc
    FRAME_SIZE = "frame-size"  # output frame size; live drafts shrink it
    DRAFT = "draft"  # the generator's own quick mode; live drafts switch it on
    SCRIPT = "script"  # the words spoken: `--arc auto` tags it with an emotion per sentence
    ARC_MODE = "arc-mode"  # the generator proposes its own arc: `--arc auto|given` goes here
    # A file that stands in for a choice field's entries (a portrait instead of a drawn
    # character): the window merges both into one menu of choices and remembered files,
    # each file shown by its picture. The field names its choice field in its schema
    # extra: ``json_schema_extra={"choice_of": "character"}`` (and may list the file
    # types its picker offers: ``"extensions": [".png", …]``).
    CHOICE_FILE = "choice-file"


# The value types each role accepts (``None`` is always allowed beside them).
_TYPES: Final[dict[Role, tuple[type, ...]]] = {
    Role.OPTION: (object,),
    Role.INPUT_FILE: (str, Path),
    Role.MODEL_REF: (str, Path),
    Role.MULTILINE: (str,),
    Role.ARC_LENGTH: (int, float),
    Role.FRAME_SIZE: (int, str),
    Role.DRAFT: (bool,),
    Role.SCRIPT: (str,),
    Role.ARC_MODE: (str,),
    Role.CHOICE_FILE: (str, Path),
}


def roles_of(field: FieldInfo) -> frozenset[Role]:
    """The roles a field declares."""
    return frozenset(m for m in field.metadata if isinstance(m, Role))


def field_roles(model: type[BaseModel]) -> dict[str, frozenset[Role]]:
    """Every field of ``model`` that declares a role, with its roles."""
    out = {name: roles_of(f) for name, f in model.model_fields.items()}
    return {name: roles for name, roles in out.items() if roles}


def fields_with(model: type[BaseModel], role: Role) -> tuple[str, ...]:
    """Names of the fields of ``model`` that carry ``role``, in declaration order."""
    return tuple(n for n, f in model.model_fields.items() if role in roles_of(f))


def first_with(model: type[BaseModel], role: Role) -> str | None:
    """The first field carrying ``role``, or ``None``."""
    found = fields_with(model, role)
    return found[0] if found else None


def _extra(field: FieldInfo) -> dict[str, Any]:
    """A field's ``json_schema_extra`` when the plugin gave it as a dict (else empty)."""
    extra = field.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def choice_of(field: FieldInfo) -> str | None:
    """The choice field a ``Role.CHOICE_FILE`` field stands in for, as it declares it."""
    target = _extra(field).get("choice_of")
    return target if isinstance(target, str) else None


def file_extensions(field: FieldInfo) -> tuple[str, ...]:
    """The file types a file field's picker offers (``"extensions"``; empty: any file)."""
    listed = _extra(field).get("extensions")
    if not isinstance(listed, list | tuple):
        return ()
    return tuple(str(e).lower() for e in listed if isinstance(e, str) and e.startswith("."))


def choice_files(model: type[BaseModel]) -> dict[str, str]:
    """Each choice field with the ``Role.CHOICE_FILE`` field that stands in for it
    (choice field name → file field name), for the fields whose pairing checks out."""
    problems = check_roles(model)
    out: dict[str, str] = {}
    for name in fields_with(model, Role.CHOICE_FILE):
        target = choice_of(model.model_fields[name])
        if target is None or target in out or any(p.startswith(f"{name}:") for p in problems):
            continue  # a field whose roles do not fit keeps an editor of its own
        out[target] = name
    return out


def _offers_choices(field: FieldInfo) -> bool:
    """A field whose values are a menu: a Literal, an Enum or listed ``choices``."""
    annotation = field.annotation
    for t in _value_types(annotation):
        if isinstance(t, type) and issubclass(t, Enum):
            return True
    if any(get_origin(a) is Literal for a in _annotations(annotation)):
        return True
    extra = field.json_schema_extra
    return callable(extra) or isinstance(_extra(field).get("choices"), list)


def _annotations(annotation: Any) -> Iterator[Any]:
    """The annotation and the members of a union it is."""
    yield annotation
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        for arg in get_args(annotation):
            yield from _annotations(arg)


def _value_types(annotation: Any) -> Iterator[Any]:
    """The concrete types a field annotation admits (unions and Literals unpacked)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        yield from _value_types(get_args(annotation)[0])
    elif origin is Union or origin is types.UnionType:
        for arg in get_args(annotation):
            yield from _value_types(arg)
    elif origin is Literal:
        yield from (type(v) for v in get_args(annotation))
    else:
        yield annotation


def check_roles(model: type[BaseModel]) -> list[str]:
    """Problems with the roles ``model`` declares (empty when every role fits its field)."""
    problems = []
    for name, roles in field_roles(model).items():
        admitted = [t for t in _value_types(model.model_fields[name].annotation)]
        admitted = [t for t in admitted if t is not type(None)]
        for role in sorted(roles):
            wanted = _TYPES[role]
            if object in wanted:
                continue
            # bool is an int subclass: a length or size field must not be a switch.
            ok = all(
                isinstance(t, type)
                and issubclass(t, wanted)
                and not (t is bool and bool not in wanted)
                for t in admitted
            )
            if not admitted or not ok:
                shown = " | ".join(getattr(t, "__name__", str(t)) for t in admitted) or "None"
                expect = " or ".join(t.__name__ for t in wanted)
                problems.append(f"{name}: role {role.value!r} needs {expect}, field is {shown}")
        if Role.CHOICE_FILE in roles:
            problems.extend(_choice_file_problems(model, name))
    return problems


def _choice_file_problems(model: type[BaseModel], name: str) -> list[str]:
    """A ``Role.CHOICE_FILE`` field must be optional (no file: the choice holds) and name
    another field that offers choices."""
    field = model.model_fields[name]
    out = []
    if field.is_required() or field.default is not None:
        out.append(f"{name}: role 'choice-file' needs an optional field that defaults to None")
    target = choice_of(field)
    if target is None:
        out.append(f"{name}: role 'choice-file' needs json_schema_extra={{'choice_of': FIELD}}")
    elif target == name or target not in model.model_fields:
        out.append(f"{name}: role 'choice-file' names {target!r}, not another field of the model")
    elif not _offers_choices(model.model_fields[target]):
        out.append(f"{name}: role 'choice-file' names {target!r}, which offers no choices")
    return out
