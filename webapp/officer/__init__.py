"""The civil-affairs officers' part of the site (民政干部).

Coverage at a glance, villages and organizations, matcher runs and the review of their
recommendations, approval of groups (抱团), introduction letters (介绍信) and docking lists (对接清单).
The blueprint is built in :mod:`webapp.officer.views`; every page is for officers and admins only.
"""

from __future__ import annotations

__all__: list[str] = []
