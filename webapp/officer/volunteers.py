"""The volunteers a recommendation names: name, organization, county and skills, read by id.

A city has 60,000 volunteers, too many to keep with the officer pages' view of the store; a page
reads the few it shows by their key. Each read goes through the store's typed ``query`` (about a
millisecond), so what was read is kept on the :class:`~.queries.World` (``people``) until the
volunteer tables change.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from .queries import World, _records, _text

__all__ = ["volunteer_cards"]


def volunteer_cards(world: World, ids: list[str]) -> list[dict]:
    """Name, organization, county and skills of the volunteers ``ids`` (unknown ids left out)."""
    missing = [v for v in dict.fromkeys(ids) if v not in world.people]
    if missing and world.store is not None:
        query = world.store.query
        people = pd.concat([query("volunteers", {"volunteer_id": v}) for v in missing])
        links = pd.concat([query("volunteer_skills", {"volunteer_id": v}) for v in missing])
        skills: dict[str, list[str]] = defaultdict(list)
        for vid, service in zip(links["volunteer_id"], links["service"], strict=True):
            skills[vid].append(service)
        rows = {r["volunteer_id"]: r for r in _records(people)}
        for vid in missing:  # unknown ids too, so that they are not read again
            row = rows.get(vid)
            world.people[vid] = None
            if row is not None:
                world.people[vid] = {
                    "volunteer_id": vid,
                    "name": _text(row["name"]),
                    "org_id": _text(row["org_id"]),
                    "county": _text(row["county"]),
                    "skills": skills.get(vid, []),
                }
    return [world.people[v] for v in ids if world.people.get(v) is not None]
