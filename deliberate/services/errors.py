"""One error for every refused request, and one transaction boundary for every write.

Services raise :class:`ServiceError` (or a subclass naming its area) with a message for the
person and the HTTP status to answer with; the app's error handlers turn it into a flashed
message on pages and RFC 9457 problem details in the API (:mod:`deliberate.errors`).
Writes run in :func:`unit_of_work`: committed together when the work returns, rolled back
together when anything in it raises, so no view ever commits or rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from ..extensions import db

P = ParamSpec("P")
T = TypeVar("T")
_DEPTH = "deliberate.unit_of_work"


class ServiceError(Exception):
    """A request that cannot be met, in words for the person; ``status`` is the HTTP status."""

    #: The status when none is given; subclasses choose their own.
    default_status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = self.default_status if status is None else status

    def problem_extra(self) -> dict[str, object]:
        """Members added to the API's problem details (none by default)."""
        return {}


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block wrote, or roll all of it back if anything in it raises.

    A unit of work inside another is part of it: only the outermost commits or rolls back.
    """
    depth = db.session.info.get(_DEPTH, 0)
    db.session.info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            db.session.commit()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
        db.session.info[_DEPTH] = depth


def transactional(function: Callable[P, T]) -> Callable[P, T]:
    """Run ``function`` as one :func:`unit_of_work` (inside another unit, part of it)."""

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with unit_of_work():
            return function(*args, **kwargs)

    return run
