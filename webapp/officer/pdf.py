"""The introduction letter as an A4 PDF, made offline with reportlab and one embedded CJK font.

reportlab draws and embeds TrueType outlines only, and it keys a registered font by the face name
inside the file: registering a second font file with the same face name (as per-letter subsets of
one font would be) silently reuses the first font object, so every letter after the first showed
empty boxes where its names should be. So one CJK TrueType font is registered once per process
(under a lock, at the first letter) and every letter uses it; reportlab embeds, per document, only
the glyphs that document draws. The font is the first of :data:`CJK_TRUETYPE_FONTS` found —
Debian's ``fonts-wqy-zenhei`` (WenQuanYi Zen Hei, 20,940 common and 6,582 extension-A ideographs)
or ``fonts-droid-fallback``. Debian's Noto Sans CJK ships CFF outlines, which reportlab cannot
embed (converting the whole face takes a minute and 600 MB). Without either font the letter falls
back to reportlab's built-in CID font ``STSong-Light``, which PDF readers supply themselves.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from .letters import Letter

__all__ = [
    "letter_pdf",
    "revocation_pdf",
    "cjk_font",
    "CJK_TRUETYPE_FONTS",
    "LETTER_FONT",
    "FALLBACK_FONT",
]

#: TrueType CJK fonts to embed, the first found is used: ``(path, face index in a collection)``
CJK_TRUETYPE_FONTS: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
)
#: the name the one embedded font is registered under
LETTER_FONT = "BaotuanLetterCJK"
FALLBACK_FONT = "STSong-Light"

_font_lock = threading.Lock()
_font_name: str | None = None


def cjk_font() -> str:
    """The name of the one CJK font every letter of this process uses, registered on first use.

    Examples
    --------
    >>> cjk_font() in (LETTER_FONT, FALLBACK_FONT)
    True
    >>> cjk_font() == cjk_font()
    True
    """
    global _font_name
    if _font_name is not None:
        return _font_name
    with _font_lock:
        if _font_name is None:
            _font_name = _register_once()
    return _font_name


def _register_once() -> str:
    for path, index in CJK_TRUETYPE_FONTS:
        if path.exists():
            pdfmetrics.registerFont(TTFont(LETTER_FONT, str(path), subfontIndex=index))
            return LETTER_FONT
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def _story(letter: Letter, font: str) -> list:
    def style(name: str, size: float, **kw) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=size * 1.75, wordWrap="CJK", **kw
        )

    title = style("title", 24, alignment=TA_CENTER, spaceAfter=4 * mm)
    ref = style("ref", 11, alignment=TA_RIGHT, spaceAfter=8 * mm)
    body = style("body", 13, firstLineIndent=26)
    plain = style("plain", 13)
    story: list = [
        Paragraph("介 绍 信", title),
        Paragraph(escape(letter.reference), ref),
        Paragraph(escape(letter.committee) + "：", plain),
        Spacer(1, 2 * mm),
    ]
    for line in letter.body():
        story.append(Paragraph(escape(line), body))
    story += [Spacer(1, 4 * mm), Paragraph("此致", body), Paragraph("敬礼", plain)]
    right = style("right", 13, alignment=TA_RIGHT)
    seal = style("seal", 10, alignment=TA_RIGHT, textColor="#888888")
    story += [
        Spacer(1, 10 * mm),
        # 盖章处: where each issuer puts its seal, over its own name
        Paragraph("（盖章处）" + "\u3000" * 9 + "（盖章处）\u3000\u3000", seal),
        Spacer(1, 12 * mm),
        Paragraph(escape(f"{letter.bureau}\u3000\u3000{letter.party_committee}"), right),
        Paragraph(escape(letter.date), right),
    ]
    note = style("note", 9, textColor="#555555")
    story += [
        Spacer(1, 12 * mm),
        Paragraph(escape(f"批准人：{letter.approved_by}"), note),
        Paragraph(
            escape(
                f"核验：文号 {letter.reference}，核验码 {letter.verification}"
                "（可在抱团帮扶平台“介绍信核验”页面核对）"
            ),
            note,
        ),
    ]
    return story


def letter_pdf(letter: Letter) -> bytes:
    """The letter as PDF bytes (A4, 25 mm margins), its Chinese drawn in an embedded font."""
    font = cjk_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=f"介绍信 {letter.reference}",
        author=letter.bureau,
        subject=f"{letter.org.name} → {letter.committee}",
        invariant=True,  # no creation time or random id: the bytes follow from the content
    )
    doc.build(_story(letter, font))
    return out.getvalue()


def revocation_pdf(
    reference: str, revoked: str, committee: str, org_name: str, reason: str, date: str, bureau: str
) -> bytes:
    """A 撤销 record: the letter ``revoked`` no longer holds (it stays as it was issued)."""
    font = cjk_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"撤销 {reference}", invariant=True)
    title = ParagraphStyle("t", fontName=font, fontSize=20, leading=32, alignment=TA_CENTER)
    body = ParagraphStyle("b", fontName=font, fontSize=13, leading=23, wordWrap="CJK")
    right = ParagraphStyle("r", parent=body, alignment=TA_RIGHT)
    lines = [
        f"{committee}：",
        f"原介绍信{revoked}（介绍{org_name}）自即日起撤销，该介绍信不再作为开展帮扶工作的凭据。",
        f"撤销原因：{reason or '帮扶关系已调整'}。",
    ]
    story: list = [Paragraph("介绍信撤销通知", title), Paragraph(escape(reference), right)]
    story += [Paragraph(escape(line), body) for line in lines]
    story += [Spacer(1, 14 * mm), Paragraph(escape(bureau), right), Paragraph(escape(date), right)]
    doc.build(story)
    return out.getvalue()
