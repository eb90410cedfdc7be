"""The ``deliberate`` command: set up the database, load the demo, serve the app.

A plain click group: only Deliberate's own commands, and nothing heavy imported until a
command needs it (the web app for the database commands, numpy and scipy for ``analyze``),
so ``deliberate --help`` answers at once.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from .analyze import USAGE_ERROR, Program, analyze_command, read_file_or_fail, reading_options

# The engine's arrays are small (participants × outcomes): BLAS threads gain nothing on them
# and on a busy machine spin against each other (an SVD of 10,000 × 9: 7 ms on one thread,
# 160 ms on two shared cores). One thread per process, for every command (the workers of
# `deliberate serve` included), unless the environment already says otherwise. Set before
# numpy is first imported, which nothing imported above does.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

F = TypeVar("F", bound=Callable[..., Any])


def with_appcontext(command: F) -> F:
    """Run ``command`` inside the Deliberate app's context.

    The app comes from Flask's ``ScriptInfo`` when one is on the context (as
    ``app.test_cli_runner()`` provides in tests), otherwise from the environment.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from flask.cli import ScriptInfo

        info = click.get_current_context().find_object(ScriptInfo)
        if info is not None:
            app = info.load_app()
        else:
            from . import create_app

            app = create_app()
        with app.app_context():
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Deliberate: weigh contested public value with stakeholders."""


cli.add_command(analyze_command)


def main() -> None:
    """The ``deliberate`` program."""
    cli(obj=Program())


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


@cli.command("invite")
@click.argument("consultation_id", type=int)
@click.option("--group", "group_name", required=True, help="The stakeholder group's name.")
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--expires-days", default=30, show_default=True, type=click.IntRange(1, 365))
@with_appcontext
def invite_command(consultation_id: int, group_name: str, count: int, expires_days: int) -> None:
    """Print COUNT stakeholder invitation links for a group, one a line."""
    from .extensions import db
    from .models import Consultation, Role
    from .services import audit
    from .services.errors import unit_of_work
    from .services.invitations import create_invitation, invitation_url

    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise click.UsageError(f"There is no consultation {consultation_id}.")
    group = next((g for g in consultation.groups if g.name == group_name), None)
    if group is None:
        known = ", ".join(g.name for g in consultation.groups) or "none"
        raise click.UsageError(
            f"Consultation {consultation_id} has no group {group_name!r} (groups: {known})."
        )
    with unit_of_work():
        tokens = [
            create_invitation(consultation, Role.STAKEHOLDER, group, expires_days=expires_days)[1]
            for _ in range(count)
        ]
        audit.record(consultation, None, "invitations.created", f"{count} for {group.name}")
    for token in tokens:
        click.echo(invitation_url(token))


@cli.command("export")
@click.argument("consultation_id", type=int)
@with_appcontext
def export_command(consultation_id: int) -> None:
    """Write a whole consultation as JSON to standard output (no passwords, no tokens)."""
    from .extensions import db
    from .models import Consultation
    from .services.portability import export_json

    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise click.UsageError(f"There is no consultation {consultation_id}.")
    click.echo(export_json(consultation), nl=False)


@cli.command("import")
@click.argument("file", type=click.File(encoding="utf-8-sig"))
@with_appcontext
def import_command(file: TextIO) -> None:
    """Restore a consultation from FILE, written by `deliberate export`, with new ids."""
    from .services.portability import PortabilityError, import_json

    try:
        consultation = import_json(file.read())
    except PortabilityError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Imported {consultation.title!r} as consultation {consultation.id}.")


@cli.command("import-judgments")
@click.argument("consultation_id", type=int)
@click.argument("round_number", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@reading_options
@with_appcontext
def import_judgments_command(
    consultation_id: int, round_number: int, file: Path, sheet: str | None, signed: bool
) -> None:
    """Import a judgments file (any layout `deliberate analyze` reads) into a round.

    All or nothing. Exit status 2 on bad input, naming each bad line, as `deliberate analyze`.
    """
    from .extensions import db
    from .models import Consultation
    from .services.imports import ImportRejected, import_columns
    from .services.lookup import round_by_number

    consultation = db.session.get(Consultation, consultation_id)
    round_ = round_by_number(consultation, round_number) if consultation else None
    if round_ is None:
        raise click.UsageError(f"Consultation {consultation_id} has no round {round_number}.")
    reading = read_file_or_fail(file, sheet, signed)
    try:
        summary = import_columns(round_, reading.columns, user=None, unit="line")
    except ImportRejected as rejected:
        problems = "\n".join(f"{file}: {rejected.describe(e)}" for e in rejected.errors)
        click.echo(f"Error: nothing was imported:\n{problems}", err=True)
        raise SystemExit(USAGE_ERROR if rejected.status == 400 else 1) from None
    click.echo(
        f"Imported {summary.judgments} judgments of {summary.participants} participants "
        f"into round {round_number} ({len(summary.created)} new)."
    )


@cli.command("worker")
@click.option(
    "--queue",
    "queues",
    multiple=True,
    type=click.Choice(["pdf", "work"]),
    help="Only this queue (repeatable); default: PDFs first, then other work.",
)
@click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
@with_appcontext
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Run heavy work (PDFs, large imports and analyses) from the Redis queue at REDIS_URL."""
    from flask import current_app

    from .services.jobs import PDF_QUEUE, WORK_QUEUE, run_worker, yield_cpu

    yield_cpu()  # a worker beside a web server leaves it the processor; Chromium inherits it
    try:
        run_worker(current_app, queues or (PDF_QUEUE, WORK_QUEUE), burst=burst)
    except RuntimeError as error:
        raise click.UsageError(str(error)) from None


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Processes (default: 1 without REDIS_URL, so rate limits count once; 2 with it).",
)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256))
def serve_command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve Deliberate with gunicorn on one machine."""
    from .config import shared_store
    from .server import serve

    # Links in invitations follow the address served on, unless BASE_URL says otherwise.
    os.environ["HOST"], os.environ["PORT"] = host, str(port)

    shared = shared_store()
    if workers is None:
        workers = 2 if shared else 1
    elif workers > 1 and not shared:
        raise click.UsageError(
            "Several processes need a shared store for rate limits and jobs: set REDIS_URL, "
            "or serve with one process (--workers 1) and more --threads."
        )
    click.echo(f"Serving Deliberate on http://{host}:{port}/ (Ctrl-C to stop)")
    serve(host=host, port=port, workers=workers, threads=threads)
