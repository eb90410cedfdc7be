"""Counting the SQL statements a request sends, as Indico's tests do: a listener on the
engine records every statement while a block runs, so a test can hold a page to a budget."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


class QueryCounter:
    """Records the statements sent through ``engine`` inside :meth:`counting` blocks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        """Yield the list of statements, filled while the block runs."""
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(self.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(self.engine, "before_cursor_execute", record)

    def __call__(self) -> Any:
        """``with count_queries() as statements: …``"""
        return self.counting()


def explain(statements: list[str]) -> str:
    """The statements, one a line, for an assertion message."""
    return "\n".join(f"  {i}. {' '.join(s.split())[:160]}" for i, s in enumerate(statements, 1))
