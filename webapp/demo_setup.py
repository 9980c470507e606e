"""Prepare an instance for a demonstration: the demo world in the store and one account per role."""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask

from graph_schema.contract.dataset import Dataset
from graph_schema.operations import import_dataset

from .accounts.models import find_by_username
from .accounts.operations import create_user
from .extensions import get_store

__all__ = ["DEMO_PASSWORD", "DEMO_ACCOUNTS", "load_demo_world", "ensure_demo_accounts"]

#: the one password of every demo account (it follows the password rules)
DEMO_PASSWORD = "Taian-2020-demo"
DEMO_ACCOUNTS = (
    ("officer", "officer", "泰安市民政局 张干部"),
    ("org", "organization", None),
    ("reviewer", "reviewer", "评审专家 李老师"),
    ("admin", "admin", "系统管理员"),
)


def _demo_dataset(seed: int) -> Dataset:
    try:
        from graph_schema.demo import generate_world
    except ImportError:  # the generator is optional: fall back to the shipped sample data
        from graph_schema.contract.interchange import read_data

        sample = Path(__file__).resolve().parents[2] / "shared" / "sample-data" / "taian-city"
        return read_data(sample)
    return generate_world("city", seed=seed)


def load_demo_world(app: Flask, seed: int = 2020) -> bool:
    """Import the city demo world into an empty store; returns whether it imported anything."""
    with app.app_context():
        store = get_store()
        if store.counts()["villages"]:
            return False
        print("preparing the demo world (Tai'an city)...", file=sys.stderr)
        import_dataset(store, _demo_dataset(seed), actor="demo", source="baotuan demo --scale city")
        return True


def ensure_demo_accounts(app: Flask) -> list[tuple[str, str, str]]:
    """Create the demo accounts that are missing; returns ``(username, role, password)`` for each."""
    out = []
    with app.app_context():
        store = get_store()
        partners = store.load_dataset()["partnerships"]
        org_id = str(partners["org_id"].min()) if len(partners) else None
        if org_id is None:
            orgs = store.load_dataset()["organizations"]
            org_id = str(orgs["org_id"].min()) if len(orgs) else None
        for username, role, display in DEMO_ACCOUNTS:
            if find_by_username(username) is None:
                if role == "organization" and org_id is None:
                    continue
                create_user(
                    username,
                    DEMO_PASSWORD,
                    role,
                    org_id=org_id if role == "organization" else None,
                    display_name=display
                    or (f"组织账号 {org_id}" if role == "organization" else None),
                    actor="demo",
                )
            out.append((username, role, DEMO_PASSWORD))
    return out
