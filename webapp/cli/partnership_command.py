"""``baotuan partnership add VILLAGE --lead ORG --member ORG ...``: approve a group from the
command line, under the same rules as the officer's page and the API (``docs/rules.md``).
``baotuan partnership end VILLAGE --reason TEXT``: end the village's group, as the officer's
结束帮扶关系 does — each issued letter of the group gets a 撤销 record (``docs/letters.md``)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from graph_schema.rules import MAX_GROUP, MAX_GROUP_RANGE, GroupMember, GroupRefused

__all__ = ["register", "members_from_args", "iso_date"]


def members_from_args(leads: list[str], members: list[str]) -> list[GroupMember]:
    """The group as given: every ``--lead`` first, then every ``--member``, in order.

    Examples
    --------
    >>> members_from_args(["O1"], ["O2"])
    [GroupMember(org_id='O1', role='lead'), GroupMember(org_id='O2', role='member')]
    """
    return [GroupMember(o, "lead") for o in leads] + [GroupMember(o, "member") for o in members]


def iso_date(text: str) -> str:
    """A ``YYYY-MM-DD`` date as given, or an argparse error that says so.

    Examples
    --------
    >>> iso_date("2024-03-01")
    '2024-03-01'
    """
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _add(args) -> int:
    from webapp.services.groups import approve_group

    from . import settings_from_args

    group = members_from_args(args.lead or [], args.member or [])
    settings = settings_from_args(args)
    with settings.open_store() as store:
        try:
            approved = approve_group(
                store,
                args.village,
                group,
                args.actor,
                max_group=args.max_group,
                since=args.since,
            )
        except GroupRefused as refused:
            print(
                f"baotuan partnership add: refused, nothing stored ({len(refused.problems)} "
                "problem(s)):",
                file=sys.stderr,
            )
            for problem in refused.problems:
                print(f"  {problem.where}: {problem.what} [{problem.code}]", file=sys.stderr)
            return 1
        location = store.location
        letters = _issue_letters(settings, store, args.village, args.actor)
    listed = ", ".join(f"{m.org_id} ({m.role})" for m in approved)
    print(f"approved for {args.village} in {location}: {listed}", file=sys.stderr)
    for letter in letters:
        print(f"  介绍信 {letter.reference} → {letter.org_id}", file=sys.stderr)
    return 0


def _issue_letters(settings, store, village_id: str, actor: str) -> list:
    """Issue the new group's letters now, as an approval on the site does (``docs/letters.md``).

    The site's own configuration (issuing bureau, 文号 prefix, an instance ``config.py``) and its
    database (the lead's contact, the approver's name) are those of the instance folder, so the
    app is built for them; its database is migrated first if it is new.
    """
    from webapp import create_app
    from webapp.services.letters import issue_group_letters
    from webapp.sitedb import get_session

    app = create_app(settings)
    with app.app_context():
        return issue_group_letters(store, get_session(), village_id, actor, app.config)


def _end(args) -> int:
    from webapp.services.ending import end_group

    from . import settings_from_args

    with settings_from_args(args).open_store() as store:
        result = end_group(store, args.village, args.actor, args.reason)
        location = store.location
    if result.ended:
        print(
            f"ended the group of {args.village} in {location} ({result.ended} organizations)",
            file=sys.stderr,
        )
    else:
        print(f"baotuan partnership end: {args.village} has no group in force", file=sys.stderr)
    for record in result.revoked:  # (with no group: letters an older change left unrevoked)
        print(f"  revoked {record.revokes} ({record.org_id}): {record.reference}", file=sys.stderr)
    return 0 if result.ended else 1


def register(sub) -> None:
    p = sub.add_parser(
        "partnership", help="approve a group (抱团) for a village, under the site's group rules"
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="make a group the partnership in force for a village (exit 1 with every broken rule)",
    )
    add.add_argument("village", help="the village's id")
    add.add_argument(
        "--lead",
        action="append",
        metavar="ORG",
        help="the lead organization (default: the first --member)",
    )
    add.add_argument(
        "--member", action="append", metavar="ORG", help="another organization (repeat it)"
    )
    add.add_argument(
        "--max-group",
        type=int,
        default=MAX_GROUP,
        help=f"organizations per group at most (default {MAX_GROUP}; "
        f"{MAX_GROUP_RANGE[0]} to {MAX_GROUP_RANGE[-1]})",
    )
    add.add_argument(
        "--since",
        type=iso_date,
        help="the date the support begins, YYYY-MM-DD (default: today in Beijing)",
    )
    add.add_argument("--actor", default="cli", help="who is recorded in the audit trail")
    add.set_defaults(func=_add)
    end = actions.add_parser(
        "end",
        help="end the group in force for a village; its issued letters get 撤销 records",
    )
    end.add_argument("village", help="the village's id")
    end.add_argument(
        "--reason", required=True, type=_reason, help="why, printed on each 撤销 notice"
    )
    end.add_argument("--actor", default="cli", help="who is recorded in the audit trail")
    end.set_defaults(func=_end)
    # --store and --instance after the action too, as after every command's name
    from . import _add_location_options

    _add_location_options(add, argparse.SUPPRESS)
    _add_location_options(end, argparse.SUPPRESS)


def _reason(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("a reason is required (it is printed on the 撤销 notice)")
    return text.strip()
