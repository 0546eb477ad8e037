"""Certificate PDFs with reportlab: the learner's name, what they completed, dates, code and a QR code."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import segno
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_DIR = Path(__file__).parent / "fonts"
_registered = False


def _fonts() -> tuple[str, str]:
    """DejaVu Sans covers Turkish and German letters (ğ, ş, ı, İ, ß) that PDF base fonts lack."""
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        _registered = True
    return "DejaVuSans", "DejaVuSans-Bold"


def certificate_pdf(*, heading: str, learner_name: str, statement: str, completed_what: str, issued_line: str,
                    expiry_line: str | None, code_line: str, verify_url: str, footer: str) -> bytes:
    regular, bold = _fonts()
    buffer = io.BytesIO()
    page_w, page_h = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(page_w, page_h))
    pdf.setTitle(f"{heading}: {learner_name}")
    pdf.setAuthor("CX Academy")
    pdf.setStrokeColorRGB(0.043, 0.361, 0.678)
    pdf.setLineWidth(4)
    pdf.rect(28, 28, page_w - 56, page_h - 56)
    pdf.setFillColorRGB(0.043, 0.361, 0.678)
    pdf.setFont(bold, 16)
    pdf.drawCentredString(page_w / 2, page_h - 80, "CX Academy")
    pdf.setFillColorRGB(0.11, 0.14, 0.2)
    pdf.setFont(bold, 32)
    pdf.drawCentredString(page_w / 2, page_h - 140, heading)
    pdf.setFont(regular, 14)
    pdf.drawCentredString(page_w / 2, page_h - 185, statement)
    pdf.setFont(bold, 28)
    pdf.drawCentredString(page_w / 2, page_h - 230, learner_name)
    pdf.setFont(regular, 18)
    pdf.drawCentredString(page_w / 2, page_h - 275, completed_what)
    pdf.setFont(regular, 12)
    pdf.drawString(70, 150, issued_line)
    if expiry_line:
        pdf.drawString(70, 130, expiry_line)
    pdf.drawString(70, 110, code_line)
    pdf.setFont(regular, 9)
    pdf.drawString(70, 90, verify_url)
    pdf.drawString(70, 60, footer)
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.drawImage(ImageReader(qr), page_w - 200, 60, width=130, height=130)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
