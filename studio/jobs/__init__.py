"""The job system: generation in persistent worker processes, with cancel and one typed
event stream (live previews are scheduled by their panel: newest wins, none cancelled).
No Qt: a UI polls :class:`Job` or subscribes."""

from studio.jobs.events import EventKind, JobEvent, JobState
from studio.jobs.job import Job
from studio.jobs.queue import JobQueue

__all__ = ["EventKind", "Job", "JobEvent", "JobQueue", "JobState"]
