"""Run the app under gunicorn from Python (``deliberate serve``)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from . import create_app


class _Gunicorn(BaseApplication):
    """A gunicorn application that builds Deliberate in each worker."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app()


def serve(host: str = "127.0.0.1", port: int = 5000, workers: int = 1, threads: int = 8) -> None:
    """Serve on ``host:port`` with ``workers`` gunicorn processes of ``threads`` threads each."""
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "accesslog": "-",
            "control_socket_disable": True,
        }
    ).run()
