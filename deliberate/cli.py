"""The ``deliberate`` command: set up the database, load the demo, serve the app."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext

from . import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def cli() -> None:
    """Deliberate: weigh contested public value with stakeholders."""


@cli.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    from flask_migrate import current, upgrade

    upgrade()
    current()
    click.echo("Database is up to date.")


@cli.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo consultation (once; running it again changes nothing)."""
    from .demo import DEMO_PASSWORD, load_demo

    created, consultation = load_demo()
    if created:
        click.echo(f"Loaded the demo consultation {consultation.title!r}.")
    else:
        click.echo(f"The demo consultation {consultation.title!r} is already loaded.")
    click.secho(
        "Demo logins (for demonstration only; never use them on a real deployment):",
        fg="yellow",
    )
    click.echo(f"  facilitator@example.org / {DEMO_PASSWORD}")
    click.echo(f"  board@example.org       / {DEMO_PASSWORD}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve_command(host: str, port: int, workers: int) -> None:
    """Serve Deliberate with gunicorn on one machine."""
    from .server import serve

    click.echo(f"Serving Deliberate on http://{host}:{port}/ (Ctrl-C to stop)")
    serve(host=host, port=port, workers=workers)
