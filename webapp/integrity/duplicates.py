"""Near-duplicate organization registrations: similar name, same phone, same place."""

from __future__ import annotations

import difflib
import re
import unicodedata

import pandas as pd

from graph_schema import Dataset

from .items import N_, Item, Thresholds

__all__ = ["duplicate_organizations", "normalise_name", "normalise_phone"]


_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_name(name: str | None) -> str:
    """Fold width and case, drop spaces and punctuation: ``'泰安 红帆（协会）'`` → ``'泰安红帆协会'``.

    Examples
    --------
    >>> normalise_name("泰安 红帆（志愿者）协会")
    '泰安红帆志愿者协会'
    """
    if not name:
        return ""
    return _DROP.sub("", unicodedata.normalize("NFKC", str(name)).lower())


def normalise_phone(phone: str | None) -> str:
    """Digits only, without a leading +86 country code; '' when too short to mean anything.

    Examples
    --------
    >>> normalise_phone("+86 538-821 0000")
    '5388210000'
    """
    digits = re.sub(r"\D", "", str(phone or ""))
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    return digits if len(digits) >= 7 else ""


def _pairs_sharing(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Every pair (a < b) of ``org_id`` with the same non-empty value of ``column``."""
    sub = frame.loc[frame[column] != "", ["org_id", column]]
    sub = sub[sub[column].duplicated(keep=False)]
    if sub.empty:
        return pd.DataFrame({"a": [], "b": []}, dtype=object)
    pairs = sub.merge(sub, on=column, suffixes=("_a", "_b"))
    pairs = pairs[pairs["org_id_a"] < pairs["org_id_b"]]
    return pairs.rename(columns={"org_id_a": "a", "org_id_b": "b"})[["a", "b"]]


def duplicate_organizations(
    ds: Dataset, contacts: pd.DataFrame | None = None, th: Thresholds | None = None
) -> list[Item]:
    """Pairs of organizations that look like one organization registered twice.

    Three signals: a similar name (normalised, difflib ratio), the same phone (from
    ``contacts``, a frame with ``org_id`` and ``phone``), the same place. A pair is listed when
    the names are the same after normalising, or when two of the three signals agree.
    Only pairs that share a phone, a place or a name are compared, so the work grows with the
    number of such pairs rather than with the square of the organizations.
    """
    th = th or Thresholds()
    orgs = ds["organizations"]
    if len(orgs) < 2:
        return []
    frame = pd.DataFrame(
        {
            "org_id": orgs["org_id"].astype(str),
            "name": orgs["name"].fillna("").astype(str),
            "norm": orgs["name"].map(normalise_name),
            "place": orgs["lat"].round(th.place_decimals).astype(str)
            + ","
            + orgs["lon"].round(th.place_decimals).astype(str),
        }
    )
    frame.loc[orgs["lat"].isna().to_numpy() | orgs["lon"].isna().to_numpy(), "place"] = ""
    phones = pd.Series("", index=frame.index)
    if contacts is not None and len(contacts) and "phone" in contacts:
        by_org = contacts.drop_duplicates("org_id").set_index("org_id")["phone"]
        phones = frame["org_id"].map(by_org).map(normalise_phone).fillna("")
    frame["phone"] = phones
    candidates = pd.concat(
        [_pairs_sharing(frame, c) for c in ("norm", "phone", "place")], ignore_index=True
    ).drop_duplicates()
    if candidates.empty:
        return []
    info = frame.set_index("org_id")
    items = []
    for a, b in sorted(candidates.itertuples(index=False, name=None)):
        ra, rb = info.loc[a], info.loc[b]
        same_name = bool(ra["norm"]) and ra["norm"] == rb["norm"]
        ratio = difflib.SequenceMatcher(None, ra["norm"], rb["norm"]).ratio()
        fragments: list[tuple[str, dict]] = []
        if ratio >= th.name_similarity:
            fragments.append((N_("名称相似（%(ratio)s）"), {"ratio": f"{ratio:.0%}"}))
        if ra["phone"] and ra["phone"] == rb["phone"]:
            fragments.append((N_("电话相同（%(phone)s）"), {"phone": ra["phone"]}))
        if ra["place"] and ra["place"] == rb["place"]:
            fragments.append((N_("位置相同"), {}))
        signals = [m % v for m, v in fragments]
        if not same_name and len(signals) < 2:
            continue
        items.append(
            Item.of(
                "duplicate_org",
                f"duplicate_org:{a}|{b}",
                f"organizations:{a}",
                N_("%(a)s（%(a_id)s）与 %(b)s（%(b_id)s）疑似重复登记：%(signals)s"),
                {"a": ra["name"], "a_id": a, "b": rb["name"], "b_id": b},
                {"org_ids": [a, b], "name_similarity": round(ratio, 3), "signals": signals},
                tuple(fragments),
            )
        )
    return items
