"""Translations: the site is written in Chinese; ``translations/<lang>/LC_MESSAGES/*.po`` give English.

Each audience keeps its own domain (``messages`` for shared pages, ``officer``, ``organization``...)
so teams do not edit one file. ``python -m webapp.i18n`` compiles every ``.po`` to ``.mo``; the
app also compiles a missing or stale ``.mo`` at start-up.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["TRANSLATIONS", "compile_translations", "domains"]

TRANSLATIONS = Path(__file__).parent / "translations"


def domains() -> list[str]:
    """Every translation domain that has a ``.po`` file, sorted."""
    return sorted({p.stem for p in TRANSLATIONS.glob("*/LC_MESSAGES/*.po")})


def compile_translations(force: bool = False) -> list[Path]:
    """Compile stale ``.po`` files to ``.mo``; returns the files written."""
    written = []
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        try:
            with mo.open("wb") as f:
                write_mo(f, catalog)
        except OSError:  # a read-only install keeps its shipped .mo files
            continue
        written.append(mo)
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in compile_translations(force=True):
        print(path)
