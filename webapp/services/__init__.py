"""Operations of the site: the writes and checks that the site's pages, the JSON API and the
``baotuan`` command line all call (as Indico splits its controllers from ``operations``).

The audience folders (``officer/``, ``organization/``, ``api/``, ``cli/``...) keep views, forms and
schemas: they read a request, call an operation here and word its answer for their visitor.

- :mod:`.groups` — check a group against :mod:`graph_schema.rules` and approve it.
- :mod:`.group_messages` — a broken group rule as a message in the visitor's language.
- :mod:`.events` — put an event that changes no data on the audit trail.
- :mod:`.ending` — end a village's group and revoke its letters (site and ``baotuan partnership end``).
- :mod:`.runs` — matcher runs: start, progress, cancel, the officer's decisions (pages, API, jobs).
"""

from __future__ import annotations

__all__: list[str] = []
