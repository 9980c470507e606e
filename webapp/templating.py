"""What every template can use: service labels, role navigation, formatting filters."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale

from graph_schema.contract.vocabulary import ORG_KIND_LABELS_ZH, SERVICE_LABELS_ZH

__all__ = ["init_templating", "service_label", "SERVICE_LABELS_EN", "ORG_KIND_LABELS_EN"]

SERVICE_LABELS_EN = {
    "elder_care": "Elder care",
    "child_care": "Child care",
    "education": "Education aid",
    "disability_rehab": "Disability & rehab",
    "medical": "Free clinics",
    "skills_training": "Skills training",
    "visiting": "Visits",
    "donation": "Donations",
    "women_support": "Left-behind women",
    "emergency_relief": "Emergency relief",
    "livelihood": "Livelihood & jobs",
}
ORG_KIND_LABELS_EN = {
    "social_group": "Social group",
    "service_agency": "Service agency",
    "foundation": "Foundation",
}


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def service_label(code: str | None) -> str:
    """The label of a service code in the visitor's language (the code itself if unknown)."""
    if not code:
        return ""
    table = SERVICE_LABELS_EN if _english() else SERVICE_LABELS_ZH
    return table.get(code, code)


def kind_label(code: str | None) -> str:
    if not code:
        return ""
    table = ORG_KIND_LABELS_EN if _english() else ORG_KIND_LABELS_ZH
    return table.get(code, code)


#: (endpoint, Chinese label) per role; an endpoint not registered in this build is left out
NAV_BY_ROLE = {
    "officer": [
        ("officer.dashboard", "总览"),
        ("officer.villages", "贫困村"),
        ("officer.organizations", "社会组织"),
        ("officer.matching", "抱团匹配"),
        ("officer.partnerships", "帮扶关系"),
        ("officer.county_ledger", "帮扶台账"),
        ("officer.overdue_arrivals", "逾期未报到"),
        ("roadshow.events", "公益路演"),
        ("review.integrity", "疑点清单"),
        ("organization.pending", "注册审核"),
    ],
    "organization": [
        ("organization.home", "我的组织"),
        ("organization.villages", "帮扶村庄"),
        ("organization.activities", "帮扶台账"),
    ],
    "reviewer": [
        ("review.home", "项目评审"),
        ("roadshow.my_events", "公益路演"),
        ("review.integrity", "疑点清单"),
    ],
    "admin": [
        ("admin.home", "账号管理"),
        ("admin.audit", "审计记录"),
        ("admin.imports", "数据导入"),
        ("organization.pending", "注册审核"),
        ("review.integrity", "疑点清单"),
    ],
}


def nav_links(app: Flask, role: str | None) -> list[tuple[str, str]]:
    """The navigation entries that exist for ``role`` in this application."""
    return [
        (ep, label) for ep, label in NAV_BY_ROLE.get(role or "", []) if ep in app.view_functions
    ]


def init_templating(app: Flask) -> None:
    from .people_time import init_people_time

    init_people_time(app)
    app.jinja_env.filters["service"] = service_label
    app.jinja_env.filters["kind"] = kind_label
    app.jinja_env.filters["km"] = lambda v: "" if v is None else f"{float(v):.1f} km"

    @app.context_processor
    def globals_():
        from flask_login import current_user

        role = current_user.role if current_user and current_user.is_authenticated else None
        return {
            "nav_links": nav_links(app, role),
            "has_endpoint": lambda endpoint: endpoint in app.view_functions,
            "service_label": service_label,
            "kind_label": kind_label,
            "SERVICE_CODES": list(SERVICE_LABELS_ZH),
            "current_lang": "en" if _english() else "zh",
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
