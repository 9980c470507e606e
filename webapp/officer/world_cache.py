"""The :class:`~.queries.World` of each store, kept while the store's table versions stay the same.

Every request asks the store for its :meth:`~graph_schema.store.GraphStore.table_versions` (one
small query) and compares them with those the cached World was derived from. That is what keeps
several worker processes, each with its own cache, correct: an approval made through one worker
moves the ``partnerships`` version in the shared store, and the next request in any other worker
sees it and derives its World again before answering.

What a write costs depends on the tables it touched. Partnerships (an officer approved or ended a
group) and volunteers (an organization edited its people) are the common writes while the site is
in use; after them the new World shares everything else with the old one. Any other table rebuilds
it from the store (a few hundred milliseconds at city scale; imports and profile edits are rare).
"""

from __future__ import annotations

import copy
import threading

from graph_schema.store import GraphStore

from .queries import VIEW_TABLES, World, _load, build_world, with_partnerships

__all__ = ["current_world", "VERSIONED_TABLES"]

#: the tables whose versions a World carries (volunteers: for the rows it read by id)
VERSIONED_TABLES = (*VIEW_TABLES, "volunteers", "volunteer_skills")
_VOLUNTEER_TABLES = {"volunteers", "volunteer_skills"}
_CHEAP_CHANGES = {"partnerships"} | _VOLUNTEER_TABLES

_CACHED_STORES = 4
_cache: dict[str, World] = {}
_lock = threading.Lock()


def _store_version(store: GraphStore) -> dict[str, int]:
    versions = store.table_versions()
    return {name: versions[name] for name in VERSIONED_TABLES}


def _derive(cached: World, store: GraphStore, version: dict[str, int], changed: set[str]) -> World:
    """A World for ``version`` from ``cached``, when only partnerships or volunteers changed."""
    if "partnerships" in changed:
        world = with_partnerships(cached, store.query("partnerships"), version)
    else:  # the rows and what was derived from them still hold
        world = World(
            cached.dataset,
            cached.villages,
            cached.orgs,
            cached.counties,
            version,
            cached.cache,
            cached.lasting,
            store=cached.store,
        )
    if not changed & _VOLUNTEER_TABLES:
        world.people = cached.people
    return world


def current_world(store: GraphStore) -> World:
    """The :class:`World` of ``store`` as it is now (derived again only after a write)."""
    version = _store_version(store)
    cached = _cache.get(store.location)
    if cached is not None and cached.version == version:
        if cached.store is not store:
            # Another store object on the same database (a second app in one process, as in the
            # tests): the same data, but pages must read through the store they were given; the
            # first one may be closed by now.
            cached = copy.copy(cached)
            cached.store = store
            _cache[store.location] = cached
        return cached
    with _lock:  # one rebuild at a time; the others wait for it and share the result
        cached = _cache.get(store.location)
        if cached is not None and cached.version == version:
            return cached
        changed = {t for t in VERSIONED_TABLES if cached is None or cached.version[t] != version[t]}
        if cached is not None and changed <= _CHEAP_CHANGES:
            world = _derive(cached, store, version, changed)
        else:
            world = build_world(_load(store), version)
        world.store = store
        _cache.pop(store.location, None)
        while len(_cache) >= _CACHED_STORES:  # tests open many stores: keep the newest few
            _cache.pop(next(iter(_cache)))
        _cache[store.location] = world
        return world
