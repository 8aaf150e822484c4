"""Many generations from one file (``studio batch``): resumable, on local worker processes
or a Ray cluster, every result embedded and recorded by the driver. No Qt."""

from studio.batch.lines import BadLines, Line, read_lines
from studio.batch.report import Ledger, Row
from studio.batch.run import default_jobs, run_batch

__all__ = ["BadLines", "Ledger", "Line", "Row", "default_jobs", "read_lines", "run_batch"]
