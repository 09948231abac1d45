"""Stop requests (SIGTERM, Ctrl-C) that survive Dagster's own signal handling.

During a run Dagster replaces the SIGINT and SIGTERM handlers with ones that only set a flag, raise inside a
step's code and reset the flag when the run ends; a signal that arrives between steps, or while a run waits,
would be lost. :class:`StopRequests` sees every signal whatever handler is installed: the C-level wakeup file
descriptor (``signal.set_wakeup_fd``) receives the signal number of every signal handled in Python, and a
thread reads it. The refresh checks :meth:`StopRequests.requested` between runs and while it waits, and the
thread stops the refresh's child processes (dbt) at once.
"""

from __future__ import annotations

import os
import signal
import threading
import time

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def child_pids() -> list[int]:
    """The direct child processes of this process (Linux /proc)."""
    parent = os.getpid()
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(entry))
    return children


def _is_dbt(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
    except OSError:
        return False
    return any(arg == b"dbt" or arg.endswith(b"/dbt") for arg in argv[:3])


def stop_children(grace_seconds: float, poll_seconds: float = 0.2) -> None:
    """Stop the refresh's dbt processes: SIGINT when one is seen, SIGKILL if it still runs ``grace_seconds`` later.
    A daemon thread keeps watching until the refresh exits (a dbt process may be starting as the signal arrives).
    Other children, Dagster's log watchers, end on their own."""
    if not os.path.isdir("/proc"):
        return

    def reap() -> None:
        first_seen: dict[int, float] = {}
        while True:
            now = time.monotonic()
            for pid in [pid for pid in child_pids() if _is_dbt(pid)]:
                try:
                    if pid not in first_seen:
                        first_seen[pid] = now
                        os.kill(pid, signal.SIGINT)
                    elif now - first_seen[pid] >= grace_seconds:
                        os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(poll_seconds)

    threading.Thread(target=reap, daemon=True, name="stop-dbt").start()


class StopRequests:
    """Context manager: from entry to exit, SIGTERM and SIGINT raise KeyboardInterrupt (outside Dagster runs)
    and are remembered (always)."""

    def __init__(self, children_grace_seconds: float = 5.0) -> None:
        self.signum: int | None = None
        # dbt processes get SIGINT at once and SIGKILL after this long: a thread of Dagster's that reads a
        # child's output would otherwise wait for the child to finish its work before the refresh can stop.
        self.children_grace_seconds = children_grace_seconds
        self._previous: dict[int, object] = {}
        self._previous_fd = -1
        self._pipe: tuple[int, int] | None = None

    def requested(self) -> bool:
        return self.signum is not None

    def _handler(self, signum, _frame) -> None:
        self.signum = self.signum or signum
        raise KeyboardInterrupt

    def _watch(self, read_fd: int) -> None:
        try:
            while data := os.read(read_fd, 64):
                for byte in data:
                    if byte in STOP_SIGNALS and self.signum is None:
                        self.signum = byte
                        stop_children(self.children_grace_seconds)
        except OSError:
            pass
        finally:
            os.close(read_fd)

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is not threading.main_thread():
            return self
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        self._pipe = (read_fd, write_fd)
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self._handler)
        self._previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        threading.Thread(target=self._watch, args=(read_fd,), daemon=True, name="stop-requests").start()
        return self

    def __exit__(self, *exc) -> None:
        if self._pipe is None:
            return
        signal.set_wakeup_fd(self._previous_fd)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        os.close(self._pipe[1])  # the watcher thread reads the end of the pipe and closes its side
        self._pipe = None
