"""Background index rebuilds: one job at a time, its progress readable while it runs (`GET /index`)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from index.errors import IndexLocked, RagError
from index.ingest import IngestReport
from index.writer import Progress

log = logging.getLogger(__name__)

State = Literal["running", "succeeded", "failed"]
Work = Callable[[Progress], IngestReport]


class RebuildRunning(IndexLocked):
    code = "rebuild_running"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    id: str
    state: State = "running"
    phase: str = "reading"  # index.writer.PHASES: reading, chunking, annotating, embedding
    done: int = 0  # files read / articles chunked / annotated / texts embedded, in this phase
    total: int = 0  # of how many, in this phase
    error: str | None = None
    started: str = ""
    finished: str | None = None
    report: dict[str, Any] | None = None


class Jobs:
    """The rebuild job registry of one app: the current (or last) job and its thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: Job | None = None
        self._thread: threading.Thread | None = None

    def start(self, work: Work) -> Job:
        """Run `work(progress)` in a thread; RebuildRunning (409) while another job runs."""
        with self._lock:
            if self._job is not None and self._job.state == "running":
                raise RebuildRunning(f"rebuild {self._job.id} is still running; see GET /index")
            job = Job(id=uuid.uuid4().hex, started=_now())
            self._job = job
            self._thread = threading.Thread(
                target=self._run, args=(job, work), name=f"rebuild-{job.id[:8]}", daemon=True
            )
            self._thread.start()
        return job

    def _run(self, job: Job, work: Work) -> None:
        def progress(done: int, total: int, phase: str = "embedding") -> None:
            job.phase, job.done, job.total = phase, done, total

        try:
            report = work(progress)
        except RagError as e:
            log.warning("rebuild %s failed: %s", job.id, e)
            self._finish(job, "failed", error=f"{e.code}: {e}")
        except Exception as e:  # a thread has no handler above it: record, log, and end the job
            log.exception("rebuild %s failed", job.id)
            self._finish(job, "failed", error=f"internal_error: {type(e).__name__}")
        else:
            self._finish(job, "succeeded", report=report.to_dict())

    def _finish(self, job: Job, state: State, error: str | None = None, report: Any = None) -> None:
        with self._lock:
            job.state, job.error, job.report, job.finished = state, error, report, _now()

    def snapshot(self) -> dict[str, Any] | None:
        with self._lock:
            return asdict(self._job) if self._job is not None else None

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the current job's thread; True when none is running afterwards."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()
