"""One refresh at a time per warehouse, and recovery from refreshes that died.

The lock is ``warehouse/refresh.lock``: an advisory ``flock`` on the file, taken before the first step and
released on exit. The kernel releases a ``flock`` when its process dies, however it dies (SIGKILL included),
so a dead owner never blocks the next refresh; the file's content (PID, host, start time, refresh id) says who
holds it, for the message a second refresh prints and for the recovery of what a dead refresh left behind.

Recovery (:func:`recover`) runs once the lock is held. Every run a refresh launches carries the refresh's id as
a tag; a run of another refresh that is still marked in progress cannot be running (its refresh would hold the
lock), so it is marked failed with the reason, and its pool slots are freed. Temporary release folders and
serving files of an interrupted publish are removed. Runs launched by the Dagster daemon (schedules, sensor)
carry no refresh id and are left to the daemon.

The lock is local to one machine: it does not protect a warehouse on a network file system shared by several
machines (run the refresh of a warehouse on one machine).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.paths import ProjectPaths, display

LOCK_FILE_NAME = "refresh.lock"
# How long `crosscluster refresh --wait` waits for the lock, and a refresh waits for a pool slot, by default.
DEFAULT_WAIT_SECONDS = 3600.0
PROBE_GRACE_SECONDS = 2.0
REFRESH_ID_TAG = "crosscluster/refresh_id"
REFRESH_PID_TAG = "crosscluster/pid"
REFRESH_HOST_TAG = "crosscluster/host"


class RefreshLockHeld(Exception):
    """Another refresh holds the warehouse's lock (an expected condition, not a defect)."""


@dataclass(frozen=True)
class LockOwner:
    pid: int
    host: str
    started_at: str
    refresh_id: str

    def describe(self) -> str:
        return f"PID {self.pid} on {self.host}"


def lock_path(paths: ProjectPaths) -> Path:
    return paths.warehouse_dir / LOCK_FILE_NAME


def _read_owner(handle) -> LockOwner | None:
    handle.seek(0)
    text = handle.read().decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
        return LockOwner(int(data["pid"]), str(data["host"]), str(data["started_at"]), str(data["refresh_id"]))
    except (ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise


@dataclass
class HeldLock:
    owner: LockOwner
    # The owner recorded in the file when the lock was taken: a refresh that ended without releasing it.
    previous_owner: LockOwner | None


@contextlib.contextmanager
def refresh_lock(
    paths: ProjectPaths,
    *,
    wait_seconds: float | None = None,
    on_wait: Callable[[LockOwner | None], None] | None = None,
    poll_seconds: float = 1.0,
) -> Iterator[HeldLock]:
    """Hold the warehouse's refresh lock for the block.

    Without ``wait_seconds`` a held lock raises :class:`RefreshLockHeld` at once; with it, the lock is awaited
    that long (``on_wait`` is told once who holds it) before the same error."""
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    path = lock_path(paths)
    handle = open(path, "a+b")  # noqa: SIM115 (held for the block)
    try:
        # Without --wait, a short grace: a run's check of the lock (ensure_writer_may_run) holds it for an instant.
        deadline = time.monotonic() + (PROBE_GRACE_SECONDS if wait_seconds is None else wait_seconds)
        told = False
        while not _try_flock(handle.fileno()):
            holder = _read_owner(handle)
            probing = holder is None or (holder.host == socket.gethostname() and not _alive(holder.pid))
            if probing and wait_seconds is None and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            if wait_seconds is None or time.monotonic() >= deadline:
                since = f" has been running since {holder.started_at}" if holder else " is running"
                who = f"another refresh ({holder.describe()}){since}" if holder else f"another refresh{since}"
                waited = f" (waited {wait_seconds:.0f}s)" if wait_seconds else ""
                raise RefreshLockHeld(
                    f"{who} on {display(paths.warehouse_dir)}{waited}. Wait for it to finish, pass --wait to "
                    f"queue behind it, or stop it (kill {holder.pid if holder else '<pid>'}); its lock is "
                    f"{display(path)}."
                )
            if on_wait is not None and not told:
                on_wait(holder)
                told = True
            time.sleep(poll_seconds)
        previous = _read_owner(handle)
        owner = LockOwner(
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            refresh_id=uuid.uuid4().hex,
        )
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(owner.__dict__).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
        try:
            yield HeldLock(owner, previous)
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def lock_holder(paths: ProjectPaths) -> LockOwner | None:
    """Who holds the refresh lock now (None when nobody does)."""
    path = lock_path(paths)
    if not path.exists():
        return None
    with open(path, "rb") as handle:
        if _try_flock(handle.fileno()):
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return None
        return _read_owner(handle)


class WarehouseBusy(Exception):
    """A run launched outside the refresh (daemon, UI) found the warehouse held by a refresh."""


def ensure_writer_may_run(paths: ProjectPaths, run_tags: dict[str, str]) -> None:
    """Called by every op that writes the warehouse: a run that is not part of the refresh holding the lock (a
    schedule, the sensor or the UI while `crosscluster refresh` runs) stops before writing anything."""
    holder = lock_holder(paths)
    if holder is not None and run_tags.get(REFRESH_ID_TAG) != holder.refresh_id:
        raise WarehouseBusy(
            f"{display(paths.warehouse_dir)} is being refreshed by crosscluster refresh ({holder.describe()}, "
            f"since {holder.started_at}); this run stops without writing. Launch it again once that refresh ends "
            "(the sensor and the schedules do so on their next tick)."
        )


@dataclass
class Recovery:
    runs_failed: list[str]
    slots_freed: int
    leftovers_removed: list[str]
    previous_owner: LockOwner | None

    @property
    def anything(self) -> bool:
        return bool(self.runs_failed or self.slots_freed or self.leftovers_removed)

    def describe(self) -> str:
        parts = []
        if self.runs_failed:
            parts.append(f"marked its {len(self.runs_failed)} unfinished run(s) failed "
                         f"({', '.join(r[:8] for r in self.runs_failed)})")
        if self.slots_freed:
            parts.append(f"freed {self.slots_freed} pool slot(s)")
        if self.leftovers_removed:
            parts.append(f"removed {', '.join(self.leftovers_removed)}")
        who = f" ({self.previous_owner.describe()}, started {self.previous_owner.started_at})" if self.previous_owner else ""
        return f"Recovered from an interrupted refresh{who}: " + "; ".join(parts) + "."


IN_PROGRESS = ("STARTING", "STARTED", "CANCELING", "NOT_STARTED", "QUEUED")


def in_progress_runs(instance, tags: dict[str, str] | None = None) -> list:
    """The runs of the instance still marked in progress (with these tags, when given)."""
    import dagster as dg

    statuses = [dg.DagsterRunStatus[s] for s in IN_PROGRESS]
    records = instance.get_run_records(filters=dg.RunsFilter(tags=tags or {}, statuses=statuses))
    return [record.dagster_run for record in records]


def recover(instance, paths: ProjectPaths, current_refresh_id: str, previous: LockOwner | None) -> Recovery:
    """Clean up after refreshes that died (call with the lock held); see the module docstring."""
    from pipelines.publish import reconcile_releases, remove_publish_leftovers

    failed: list[str] = []
    live = in_progress_runs(instance)
    for run in live:
        refresh_id = run.tags.get(REFRESH_ID_TAG)
        if refresh_id is None or refresh_id == current_refresh_id:
            continue  # launched by the daemon (its business), or by this refresh
        pid, host = run.tags.get(REFRESH_PID_TAG, "?"), run.tags.get(REFRESH_HOST_TAG, "?")
        instance.report_run_failed(
            run,
            f"Marked failed by the next refresh: the refresh that ran it (PID {pid} on {host}) stopped without "
            "finishing it (killed or crashed).",
        )
        failed.append(run.run_id)
    # Slots claimed by runs that are no longer in progress (killed while holding one).
    slots = 0
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        still_live = {run.run_id for run in live} - set(failed)
        for key in storage.get_concurrency_keys():
            info = storage.get_concurrency_info(key)
            stale = {slot.run_id for slot in info.claimed_slots} | {step.run_id for step in info.pending_steps}
            for run_id in sorted(stale - still_live):
                slots += len([s for s in info.claimed_slots if s.run_id == run_id])
                storage.free_concurrency_slots_for_run(run_id)
    leftovers = remove_publish_leftovers(paths) + reconcile_releases(paths)
    return Recovery(failed, slots, leftovers, previous)
