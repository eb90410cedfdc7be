"""One part of an analysis computed in a second process while the first goes on.

The opinion-cluster test (twenty Ward trees) and the clustering of up to 2,000 participants
take a third of a large analysis, run in SciPy's compiled code that holds the GIL, and need
nothing but their inputs: a forked child computes them while the parent computes the rest.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

__all__ = ["Pending", "in_background"]

T = TypeVar("T")


class Pending(Generic[T]):
    """The result of ``function(*args)``, computed in a child process or on demand."""

    def __init__(self, function: Callable[..., T], args: tuple[Any, ...]) -> None:
        self._function, self._args = function, args
        self._pid: int | None = None
        self._pipe: int | None = None

    def _start(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and end without running the parent's cleanup
            status = 0
            try:
                os.close(read)
                payload = pickle.dumps(self._function(*self._args), pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(payload)
            except BaseException:  # the parent computes it again and sees the error itself
                status = 1
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._pipe = pid, read

    def result(self) -> T:
        """The result: the child's when it sent one, else computed here (raising as it does)."""
        if self._pipe is not None:
            with os.fdopen(self._pipe, "rb") as source:
                payload = source.read()
            self._pipe = None
            if self._reap() == 0 and payload:
                return pickle.loads(payload)  # nosec B301: our own child, through a private pipe
        return self._function(*self._args)

    def _reap(self) -> int:
        """Wait for the child; its exit status."""
        pid, self._pid = self._pid, None
        if pid is None:
            return -1
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    def _cancel(self) -> None:
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None


@contextlib.contextmanager
def in_background(
    function: Callable[..., T], *args: Any, processes: int = 1
) -> Iterator[Pending[T]]:
    """``function(*args)`` started in a forked child when ``processes`` > 1 (and the system
    forks); otherwise computed in this process when its result is asked for.

    The child is stopped and waited for when the block ends, whether or not the result was
    asked for. Fork only from a single-threaded program (a command, not a web server): a
    child forked while another thread holds a lock can hang.
    """
    pending = Pending(function, args)
    if processes > 1 and hasattr(os, "fork"):
        pending._start()
    try:
        yield pending
    finally:
        pending._cancel()
