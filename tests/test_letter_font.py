"""One CJK font for every letter a process renders: names stay text in the 20th PDF as in the 1st.

reportlab reuses the first font object registered under a face name, so letters drawn with a
font registered per letter lost their names after the first one (issue 12). ``pdftotext``
(poppler-utils) reads the text back as a person copying from the PDF would.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from graph_schema.store.base import GroupMember

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def _groups(app, wanted: int) -> list[tuple[str, str]]:
    """``wanted`` (village, organization) pairs in force, approving two-member groups as needed."""
    store = app.extensions["baotuan_store"]
    ds = store.load_dataset()
    pairs = list(ds["partnerships"][["village_id", "org_id"]].itertuples(index=False, name=None))
    supported = set(ds["partnerships"]["village_id"])
    used = ds["partnerships"].groupby("org_id").size().to_dict()
    orgs = ds["organizations"].set_index("org_id")["max_villages"].to_dict()
    for village_id in ds["villages"]["village_id"]:
        if len(pairs) >= wanted:
            break
        if village_id in supported:
            continue
        free = [o for o, cap in orgs.items() if cap > used.get(o, 0)][:2]
        store.approve_group(
            village_id,
            [GroupMember(free[0], "lead"), GroupMember(free[1], "member")],
            actor="officer:officer",
        )
        for o in free:
            used[o] = used.get(o, 0) + 1
            pairs.append((village_id, o))
    return pairs[:wanted]


def _text(pdf: bytes, tmp_path, n: int) -> str:
    path = tmp_path / f"letter-{n}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return re.sub(r"\s+", "", out)  # a long name may wrap onto the next line


def test_twenty_letters_from_one_process_keep_every_name_as_text(officer_client, app, tmp_path):
    pairs = _groups(app, 20)
    assert len({p for p in pairs}) == 20
    ds = app.extensions["baotuan_store"].load_dataset()
    villages = ds["villages"].set_index("village_id")["name"]
    orgs = ds["organizations"].set_index("org_id")["name"]
    partnerships = ds["partnerships"]
    villages_seen = set()
    for n, (village_id, org_id) in enumerate(pairs):
        response = officer_client.get(f"/officer/letters/{village_id}/{org_id}.pdf")
        assert response.status_code == 200
        text = _text(response.data, tmp_path, n)
        assert f"{villages[village_id]}村民委员会" in text, (n, village_id)
        group = partnerships.loc[partnerships["village_id"] == village_id, "org_id"]
        for member in group:
            assert re.sub(r"\s+", "", orgs[member]) in text, (n, village_id, member)
        villages_seen.add(village_id)
    assert len(villages_seen) >= 10


def test_every_letter_embeds_the_same_truetype_font(officer_client, app):
    from webapp.officer.pdf import LETTER_FONT, cjk_font

    assert cjk_font() == LETTER_FONT  # a CJK TrueType font is installed (.ci/setup)
    pairs = _groups(app, 3)
    for village_id, org_id in pairs:
        data = officer_client.get(f"/officer/letters/{village_id}/{org_id}.pdf").data
        assert b"/FontFile2" in data  # embedded TrueType, not a font the reader must supply
