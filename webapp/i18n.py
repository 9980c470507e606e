"""Translations: the site is written in Chinese; ``translations/<lang>/LC_MESSAGES/*.po`` give English.

Each audience keeps its own domain (``messages`` for shared pages, ``officer``, ``organization``...)
so teams do not edit one file. Only the ``.po`` files are kept in git: the app compiles them to
``.mo`` at start-up (next to the ``.po``, or into a temporary folder when the install is read-only).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["TRANSLATIONS", "compile_translations", "domains"]

TRANSLATIONS = Path(__file__).parent / "translations"


def domains() -> list[str]:
    """Every translation domain that has a ``.po`` file, sorted."""
    return sorted({p.stem for p in TRANSLATIONS.glob("*/LC_MESSAGES/*.po")})


def _compile_into(root: Path, force: bool) -> None:
    for po in root.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        with mo.open("wb") as f:
            write_mo(f, catalog)


def compile_translations(force: bool = False) -> Path:
    """Compile stale ``.po`` files to ``.mo``; returns the folder the app should read them from."""
    try:
        _compile_into(TRANSLATIONS, force)
        return TRANSLATIONS
    except OSError:
        copy = Path(tempfile.mkdtemp(prefix="baotuan-i18n-")) / "translations"
        shutil.copytree(TRANSLATIONS, copy)
        _compile_into(copy, True)
        return copy


if __name__ == "__main__":  # pragma: no cover
    print(compile_translations(force=True))
