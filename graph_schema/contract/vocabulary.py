"""The service vocabulary and the other closed code lists of the data contract."""

from __future__ import annotations

__all__ = [
    "SERVICES",
    "SERVICE_LABELS_ZH",
    "ORG_KINDS",
    "ORG_KIND_LABELS_ZH",
    "CODE_BY_LABEL",
    "PROJECT_ROLES",
    "PARTNERSHIP_ROLES",
    "COUNTIES_TAIAN",
]

#: Service codes with the Chinese label the site shows (DATA_FORMAT.md).
SERVICE_LABELS_ZH: dict[str, str] = {
    "elder_care": "关爱老人",
    "child_care": "儿童关爱",
    "education": "助学",
    "disability_rehab": "助残康复",
    "medical": "健康义诊",
    "skills_training": "技能培训",
    "visiting": "走访慰问",
    "donation": "捐款捐物",
    "women_support": "留守妇女关爱",
    "emergency_relief": "救急难",
    "livelihood": "产业就业帮扶",
}
SERVICES: tuple[str, ...] = tuple(SERVICE_LABELS_ZH)

ORG_KIND_LABELS_ZH: dict[str, str] = {
    "social_group": "社会团体",
    "service_agency": "社会服务机构",
    "foundation": "基金会",
}
ORG_KINDS: tuple[str, ...] = tuple(ORG_KIND_LABELS_ZH)

#: A ``service`` cell may hold the Chinese label instead of the code (``关爱老人`` reads as
#: ``elder_care``, DATA_FORMAT.md); so may a ``kind`` cell (the project's addition, for the
#: Excel templates' drop-downs). Keyed by the column name.
CODE_BY_LABEL: dict[str, dict[str, str]] = {
    "service": {label: code for code, label in SERVICE_LABELS_ZH.items()},
    "kind": {label: code for code, label in ORG_KIND_LABELS_ZH.items()},
}

PROJECT_ROLES: tuple[str, ...] = ("lead", "partner")
PARTNERSHIP_ROLES: tuple[str, ...] = ("lead", "member")

#: Tai'an's six county-level areas, as in the source report.
COUNTIES_TAIAN: tuple[str, ...] = ("泰山区", "岱岳区", "新泰市", "肥城市", "宁阳县", "东平县")
