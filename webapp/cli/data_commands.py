"""``baotuan import PATH`` and ``baotuan export PATH``."""

from __future__ import annotations

import sys
from pathlib import Path

from graph_schema.contract.interchange import write_data
from graph_schema.operations import import_path
from webapp.cli import settings_from_args

__all__ = ["register", "account_names", "IMPORT_REVOCATION_REASON"]

#: the reason a 撤销 record gives when an import took its letter out of force
IMPORT_REVOCATION_REASON = "数据导入调整了帮扶关系"


def _import(args) -> int:
    from webapp.services.letters import revoke_ended_letters

    settings = settings_from_args(args)
    with settings.open_store() as store:
        before = store.query("partnerships")
        report = import_path(store, args.path, actor=args.actor, limits=settings.read_limits)
        # an issued letter whose partnership the import re-approved or whose group it changed
        # gets a 撤销 record, as when an officer ends a group on the site
        revoked = revoke_ended_letters(store, before, args.actor, IMPORT_REVOCATION_REASON)
        print(
            f"imported {sum(report.rows.values())} rows from {args.path} into {store.location} "
            f"in {report.seconds:.1f}s; {report.total_changed} inserted or changed",
            file=sys.stderr,
        )
        for name, n in report.rows.items():
            if n:
                print(
                    f"  {name:18} {n:>10} rows  {report.changed[name]:>10} changed", file=sys.stderr
                )
        for record in revoked:
            print(
                f"  revoked {record.revokes} ({record.village_id}/{record.org_id}): {record.reference}",
                file=sys.stderr,
            )
    return 0


def account_names(database_url: str, actors: set[str]) -> dict[str, str]:
    """Display names of ``actors`` from the site's accounts, when there is a site database.

    A command line without a site (a store only) names each actor by itself; a missing SQLite
    file is not created.

    Examples
    --------
    >>> account_names("sqlite:////nonexistent/site.sqlite", {"officer:li"})
    {}
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from webapp.people_time import person
    from webapp.sitedb.engine import cached_engine

    url = make_url(database_url)
    if not actors or (url.get_backend_name() == "sqlite" and not Path(url.database or "").exists()):
        return {}
    try:
        with Session(cached_engine(database_url)) as session:
            return {actor: person(actor, session) for actor in actors}
    except SQLAlchemyError:  # no accounts table yet: ids stand for themselves
        return {}


def _export(args) -> int:
    settings = settings_from_args(args)
    with settings.open_store() as store:
        dataset = store.load_dataset()
        if args.format == "neo4j-admin":
            from graph_schema.store.neo4j_admin import write_neo4j_admin_csv

            out = write_neo4j_admin_csv(dataset, args.path)
        else:
            actors = {str(a) for a in dataset["partnerships"]["approved_by"].dropna() if a}
            names = account_names(settings.database_url, actors)
            out = write_data(dataset, args.path, names=names)
    print(f"exported {store.location} to {out}", file=sys.stderr)
    return 0


def register(sub) -> None:
    p = sub.add_parser("import", help="import a data folder or .xlsx workbook (all or nothing)")
    p.add_argument("path", help="a data folder of CSV files or one .xlsx workbook")
    p.add_argument("--actor", default="cli", help="who is recorded in the audit trail")
    p.set_defaults(func=_import)

    p = sub.add_parser(
        "export",
        help="export everything stored as a data folder, an .xlsx workbook, or neo4j-admin CSV",
    )
    p.add_argument("path", help="a folder, or a file ending in .xlsx")
    p.add_argument(
        "--format",
        choices=("data", "neo4j-admin"),
        default="data",
        help="data: the data contract (default); neo4j-admin: node/relationship CSV for neo4j-admin database import",
    )
    p.set_defaults(func=_export)
