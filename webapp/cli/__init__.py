"""The ``baotuan`` command line: import, export, demo, recommend, serve.

Each command lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``func``; a command returns the process exit code. Every command takes
``--instance`` and ``--store`` (before or after its name) and resolves them with
:func:`settings_from_args`, so all commands given the same instance folder use the same store.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "build_parser", "settings_from_args", "CliError"]

#: command modules, in the order ``baotuan --help`` lists them
COMMAND_MODULES = (
    "webapp.cli.data_commands",
    "webapp.cli.demo_command",
    "webapp.cli.recommend_command",
    "webapp.cli.serve_command",
    "webapp.cli.db_command",
    "webapp.cli.worker_command",
    "webapp.cli.partnership_command",
)


class CliError(Exception):
    """A failure to report as one line on stderr with exit code 2."""


def _add_location_options(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument(
        "--instance",
        default=default,
        help="instance folder: the store, site database and secret key live here "
        "(default: $BAOTUAN_INSTANCE, else ./instance)",
    )
    parser.add_argument(
        "--store",
        default=default,
        help="SQLite file path or bolt:// / neo4j:// URI "
        "(default: $BAOTUAN_STORE, else <instance>/baotuan.sqlite)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baotuan",
        description="Baotuan (抱团帮扶): match social organizations to poor villages.",
    )
    _add_location_options(parser, None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command not built yet
                continue
            raise
        module.register(sub)
    for command in sub.choices.values():
        # After the command name too; SUPPRESS keeps a value given before the name.
        _add_location_options(command, argparse.SUPPRESS)
    return parser


def settings_from_args(args: argparse.Namespace):
    """The :class:`~webapp.settings.Settings` for a command: its options over the environment.

    Examples
    --------
    >>> args = build_parser().parse_args(["export", "out", "--instance", "/srv/b"])
    >>> settings_from_args(args).store
    '/srv/b/baotuan.sqlite'
    """
    from webapp.settings import Settings

    return Settings.from_env(
        instance=getattr(args, "instance", None), store=getattr(args, "store", None)
    )


def main(argv: list[str] | None = None) -> int:
    """Run ``baotuan``; returns the exit code (0 ok, 1 refused input, 2 other failure)."""
    from graph_schema.errors import GraphSchemaError, ValidationError
    from webapp.settings import SettingsError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValidationError as exc:
        print(f"baotuan {args.command}: {exc}", file=sys.stderr)
        return 1
    except (GraphSchemaError, CliError, SettingsError) as exc:
        print(f"baotuan {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"baotuan {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
