"""Stop requests (SIGTERM, Ctrl-C) that survive Dagster's own signal handling.

During a run Dagster replaces the SIGINT and SIGTERM handlers with ones that only set a flag, raise inside a
step's code and reset the flag when the run ends; a signal that arrives between steps, or while a run waits,
would be lost. :class:`StopRequests` sees every signal whatever handler is installed: the C-level wakeup file
descriptor (``signal.set_wakeup_fd``) receives the signal number of every signal handled in Python, and a
thread reads it. The refresh checks :meth:`StopRequests.requested` between runs and while it waits.
"""

from __future__ import annotations

import os
import signal
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequests:
    """Context manager: from entry to exit, SIGTERM and SIGINT raise KeyboardInterrupt (outside Dagster runs)
    and are remembered (always)."""

    def __init__(self) -> None:
        self.signum: int | None = None
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
