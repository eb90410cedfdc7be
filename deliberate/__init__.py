"""Deliberate: weigh contested public value with stakeholders, openly and explainably."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

# Flask and the database stack are imported inside the functions, so that importing
# ``deliberate.engine`` or starting the command line does not pay for the web app.

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the Deliberate web application.

    Parameters
    ----------
    test_config
        Settings that override those read from the environment (tests pass a database URL).
    """
    from flask import Flask

    from . import assets, config, validation
    from .errors import register_errorhandlers
    from .security import register_security_headers

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)

    register_extensions(app)
    validation.init_app(app)
    register_blueprints(app)
    register_template_helpers(app)
    assets.init_app(app)
    register_errorhandlers(app)
    register_security_headers(app)
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and scheme from
    their ``X-Forwarded-*`` headers (rate limits count per real address, not per proxy)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, logins and CSRF protection to ``app``."""
    from . import access, models  # noqa: F401  (user loader; tables known to migrations)
    from .database import configure_engine, end_reads_with_commit, engine_options
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .services import analysis_jobs, import_jobs, jobs, mailing, printing  # noqa: F401

    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(uri))
    db.init_app(app)
    end_reads_with_commit(app)  # registered after the session's removal: it runs before it
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    jobs.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_SYNCHRONOUS"])


def register_template_helpers(app: Flask) -> None:
    """The formatters every template may use, registered once (as functions and filters)."""
    from flask_wtf.csrf import generate_csrf
    from markupsafe import Markup, escape

    from .charts import times
    from .engine.report import percent
    from .services.consultations import WEIGHTING_LABELS

    def csrf_field() -> Markup:
        """The CSRF token of every form, as one hidden field (the only way forms send it)."""
        field = Markup('<input type="hidden" name="csrf_token" value="%s">')
        return field % escape(generate_csrf())

    for helper in (percent, times):
        app.add_template_global(helper)
        app.add_template_filter(helper)
    app.add_template_global(csrf_field)
    app.jinja_env.globals["weighting_labels"] = WEIGHTING_LABELS


def register_blueprints(app: Flask) -> None:
    """One blueprint per audience, plus sign-in."""
    from .api import options as api_options  # noqa: F401  (its routes, on the API blueprint)
    from .api.docs import bp as api_docs
    from .api.routes import bp as api
    from .assessor.routes import bp as assessor
    from .auth import bp as auth
    from .board import options as board_options  # noqa: F401  (its template global)
    from .board.routes import bp as board
    from .board.routes import share
    from .facilitator import bp as facilitator
    from .stakeholder.routes import bp as stakeholder

    for blueprint in (auth, stakeholder, facilitator, board, share, api, api_docs, assessor):
        app.register_blueprint(blueprint)

    @app.context_processor
    def main_menu() -> dict[str, object]:
        """``menu``: the main-menu entries the signed-in person can use (see `menu_for`)."""
        from flask_login import current_user

        from .access import menu_for

        return {"menu": lambda: menu_for(current_user) if current_user.is_authenticated else ()}
