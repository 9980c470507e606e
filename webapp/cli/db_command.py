"""``baotuan db``: the site database's migrations (``upgrade`` to the newest, ``current``, ``check``).

The site upgrades its database itself at start; ``baotuan db upgrade`` does the same beforehand,
e.g. once before several web servers start on one PostgreSQL database, or to adopt a site file
from before the migrations. The database is ``--instance``'s ``site.sqlite`` unless
``BAOTUAN_DATABASE_URL`` names another.
"""

from __future__ import annotations

import sys

__all__ = ["register"]


def _run(args) -> int:
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from webapp.cli import CliError, settings_from_args
    from webapp.sitedb.engine import make_engine
    from webapp.sitedb.migrate import check, current_revision, head_revision, upgrade_to_head

    settings = settings_from_args(args)
    engine = make_engine(settings.database_url)
    shown = engine.url.render_as_string(hide_password=True)
    if engine.dialect.name == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        if args.action == "upgrade":
            before = current_revision(engine)
            upgrade_to_head(engine)
            print(f"{shown}: {before or 'empty'} -> {current_revision(engine)}")
        elif args.action == "current":
            print(f"{shown}: {current_revision(engine) or 'empty'} (newest: {head_revision()})")
        else:
            check(engine)  # raises when the models and the database differ
    except SQLAlchemyError as exc:
        raise CliError(f"site database {shown}: {exc}") from exc
    except Exception as exc:  # Alembic's own errors (a diff found by check, a bad revision)
        if type(exc).__module__.startswith("alembic"):
            raise CliError(f"site database {shown}: {exc}") from exc
        raise
    finally:
        engine.dispose()
    sys.stdout.flush()
    return 0


def register(sub) -> None:
    p = sub.add_parser("db", help="the site database: upgrade to the newest schema, current, check")
    p.add_argument(
        "action",
        choices=("upgrade", "current", "check"),
        help="upgrade: migrate to the newest revision; current: show the revision; "
        "check: fail when the models and the database differ",
    )
    p.set_defaults(func=_run)
