"""``baotuan import PATH`` and ``baotuan export PATH``."""

from __future__ import annotations

import sys

from graph_schema.contract.interchange import write_data
from graph_schema.operations import import_path
from webapp.cli import settings_from_args

__all__ = ["register"]


def _import(args) -> int:
    with settings_from_args(args).open_store() as store:
        report = import_path(store, args.path, actor=args.actor)
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
    return 0


def _export(args) -> int:
    with settings_from_args(args).open_store() as store:
        if args.format == "neo4j-admin":
            from graph_schema.store.neo4j_admin import write_neo4j_admin_csv

            out = write_neo4j_admin_csv(store.load_dataset(), args.path)
        else:
            out = write_data(store.load_dataset(), args.path)
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
