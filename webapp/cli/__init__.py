"""The ``baotuan`` command line: import, export, demo, recommend, serve.

Each command lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``func``; a command returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "build_parser", "CliError"]

#: command modules, in the order ``baotuan --help`` lists them
COMMAND_MODULES = (
    "webapp.cli.data_commands",
    "webapp.cli.demo_command",
    "webapp.cli.recommend_command",
    "webapp.cli.serve_command",
)


class CliError(Exception):
    """A failure to report as one line on stderr with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baotuan",
        description="Baotuan (抱团帮扶): match social organizations to poor villages.",
    )
    parser.add_argument(
        "--store",
        help="SQLite file path or bolt:// / neo4j:// URI (default: $BAOTUAN_STORE, else instance/baotuan.sqlite)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command not built yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``baotuan``; returns the exit code (0 ok, 1 refused input, 2 other failure)."""
    from graph_schema.errors import GraphSchemaError, ValidationError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValidationError as exc:
        print(f"baotuan {args.command}: {exc}", file=sys.stderr)
        return 1
    except (GraphSchemaError, CliError) as exc:
        print(f"baotuan {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"baotuan {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
