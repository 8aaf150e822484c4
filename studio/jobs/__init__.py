"""The job system: generation in persistent worker processes, with cancel, supersede
(live previews) and one typed event stream. No Qt: a UI polls :class:`Job` or subscribes."""

from studio.jobs.events import EventKind, JobEvent, JobState
from studio.jobs.job import Job
from studio.jobs.queue import JobQueue

__all__ = ["EventKind", "Job", "JobEvent", "JobQueue", "JobState"]
