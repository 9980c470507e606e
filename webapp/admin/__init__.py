"""The administrators' part of the site (系统管理员).

Accounts and roles, the audit trail (审计记录, 留存备查) with its CSV/XLSX export, data imports
uploaded through the site and the full export. The blueprint is built in
:mod:`webapp.admin.views`; every page is for administrators only (403 for other roles).
"""

from __future__ import annotations

__all__: list[str] = []
