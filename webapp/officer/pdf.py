"""The introduction letter as an A4 PDF, made offline with reportlab and an embedded CJK font.

Debian's fonts-noto-cjk ships Noto Sans CJK as OpenType collections with CFF (PostScript)
outlines, which reportlab cannot embed: it reads TrueType outlines only. So the letter's own
characters are cut out of the Simplified Chinese face with fontTools and their cubic outlines
converted to TrueType quadratics; reportlab then embeds that small font (a few tens of KB). When the
font file or fontTools is missing, the letter falls back to reportlab's built-in CID font
``STSong-Light``, which PDF readers supply themselves (not embedded).
"""

from __future__ import annotations

import functools
import hashlib
import io
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

__all__ = ["letter_pdf", "cjk_font", "NOTO_CJK", "FALLBACK_FONT"]

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_SC_NAME = "NotoSansCJKsc-Regular"  # the Simplified Chinese face of the collection
FALLBACK_FONT = "STSong-Light"


def _sc_index(path: Path) -> int:
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    for i, face in enumerate(collection.fonts):
        if face["name"].getDebugName(6) == NOTO_SC_NAME:
            return i
    return 0


def _truetype_subset(path: Path, text: str) -> bytes:
    """The glyphs of ``text`` from the collection's SC face, as a TrueType (glyf) font file."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont as FontFile
    from fontTools.ttLib import newTable

    font = FontFile(str(path), fontNumber=_sc_index(path))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        # CFF contours run the other way round from TrueType's: reverse while converting.
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font.sfntVersion = "\x00\x01\x00\x00"
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxPoints maxContours maxCompositePoints maxCompositeContours maxTwilightPoints "
        "maxStorage maxFunctionDefs maxInstructionDefs maxStackElements "
        "maxSizeOfInstructions maxComponentElements maxComponentDepth"
    ).split():
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.numGlyphs = len(order)
    font["maxp"] = maxp
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=32)
def _register(characters: str) -> str:
    name = "NotoSansSC-" + hashlib.sha1(characters.encode()).hexdigest()[:10]
    data = _truetype_subset(NOTO_CJK, characters)
    pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
    return name


def cjk_font(text: str) -> str:
    """A registered reportlab font name that can draw ``text`` (Noto Sans SC if possible).

    Examples
    --------
    >>> cjk_font("介绍信") in (FALLBACK_FONT,) or cjk_font("介绍信").startswith("NotoSansSC-")
    True
    """
    characters = "".join(sorted(set(text) | set("0123456789〔〕（）：，。、")))
    if NOTO_CJK.exists():
        try:
            return _register(characters)
        except ImportError:
            pass
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def _story(letter: Letter, font: str, service_label) -> list:
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
    for line in letter.body(service_label):
        story.append(Paragraph(escape(line), body))
    story += [Spacer(1, 4 * mm), Paragraph("此致", body), Paragraph("敬礼", plain)]
    right = style("right", 13, alignment=TA_RIGHT)
    issuers = f"{letter.bureau}\u3000\u3000{letter.party_committee}"
    story += [
        Spacer(1, 16 * mm),
        Paragraph(escape(issuers), right),
        Paragraph(escape(letter.date), right),
    ]
    note = style("note", 9, textColor="#555555")
    story += [
        Spacer(1, 14 * mm),
        Paragraph(
            escape(
                f"（本介绍信由抱团帮扶平台生成，批准人：{letter.approved_by}；编号 {letter.reference}）"
            ),
            note,
        ),
    ]
    return story


def letter_pdf(letter: Letter, service_label) -> bytes:
    """The letter as PDF bytes (A4, 25 mm margins), its Chinese drawn in an embedded font."""
    story_text = "".join(
        [letter.reference, letter.committee, letter.bureau, letter.party_committee, letter.date]
        + letter.body(service_label)
        + ["介 绍 信此致敬礼本介绍信由抱团帮扶平台生成，批准人；编号\u3000", letter.approved_by]
    )
    font = cjk_font(story_text)
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
    )
    doc.build(_story(letter, font, service_label))
    return out.getvalue()
