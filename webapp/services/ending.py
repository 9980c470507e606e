"""End a village's group: the one operation the officer's 结束帮扶关系 and ``baotuan partnership
end`` both call.

The store deletes the village's partnerships and puts ``end_partnership`` on the audit trail (with
the members as they were and the reason); then each issued letter of the village that is no
longer in force gets a 撤销 record (``revoke_letter`` on the audit trail, ``docs/letters.md``).
The letters themselves stay as issued. Imports, which change partnerships without ending a group,
revoke through :func:`webapp.services.letters.revoke_ended_letters` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graph_schema.store import GraphStore
from graph_schema.store.base import IssuedLetter

from .letters import revoke_letters_not_in_force

__all__ = ["EndedGroup", "end_group"]


@dataclass(frozen=True)
class EndedGroup:
    """What ending a village's group did: how many memberships ended, which 撤销 records it made."""

    ended: int
    revoked: list[IssuedLetter] = field(default_factory=list)


def end_group(
    store: GraphStore,
    village_id: str,
    actor: str,
    reason: str,
    config: Mapping | None = None,
    *,
    at: str | None = None,
) -> EndedGroup:
    """End the group in force for ``village_id`` and revoke its letters, on ``actor``'s word.

    Parameters
    ----------
    store : GraphStore
        The graph store holding the partnerships and the issued letters.
    village_id : str
        The village whose group ends.
    actor : str
        Who is recorded on the audit trail (``officer:<name>``, ``cli``...).
    reason : str
        Why; kept on the audit trail and printed on each 撤销 notice.
    config : Mapping, optional
        The issuer settings (the site's ``app.config``; ``None`` = the defaults).
    at : str, optional
        The notice's moment (UTC ISO 8601, default now); the notice prints its Beijing date.

    Returns
    -------
    EndedGroup
        ``ended`` = the memberships ended (0 when the village had no group in force; nothing is
        then written but the 撤销 records of letters still missing one), ``revoked`` = the 撤销
        records made now (a letter is never revoked twice).

    Examples
    --------
    >>> from graph_schema.store import open_store
    >>> with open_store(":memory:") as store:
    ...     end_group(store, "V1", "cli", "村委会申请调整")
    EndedGroup(ended=0, revoked=[])
    """
    ended = store.end_partnership(village_id, actor, reason)
    revoked = revoke_letters_not_in_force(store, village_id, actor, reason, config or {}, at=at)
    return EndedGroup(ended, revoked)
