"""Page numbers at the bottom right of every page but the cover: 9 pt Helvetica, dark grey.

Each number is a small page drawn with fpdf2 and merged onto its page with pypdf's
``merge_translated_page``, which keeps the page's own drawing state from leaking into it.
"""

from __future__ import annotations

from io import BytesIO

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

SIZE = 9.0
DIGIT_W = 0.556 * SIZE  # Helvetica digits are 556/1000 em wide
RIGHT, BOTTOM = 28.0, 20.0  # pt from the crop box's right and bottom edges to the number's end and baseline
PAD = 2.0  # pt around the number on its stamp page


def stamp_numbers(writer: PdfWriter) -> None:
    """Number pages 2.. of ``writer`` (a rotated page has its rotation moved into its content)."""
    stamps = PdfReader(BytesIO(_stamps(len(writer.pages))))
    for number, page in enumerate(writer.pages, start=1):
        if number == 1:
            continue
        if page.rotation:
            page.transfer_rotation_to_content()
        box = page.cropbox
        x = float(box.right) - RIGHT - len(str(number)) * DIGIT_W
        page.merge_translated_page(stamps.pages[number - 2], x - PAD, float(box.bottom) + BOTTOM - PAD)
        page.compress_content_streams()


def _stamps(count: int) -> bytes:
    """A PDF whose pages 1.. show the numbers 2..``count``, at (PAD, PAD) from the bottom left."""
    pdf = FPDF(unit="pt")
    pdf.set_font("helvetica", size=SIZE)
    pdf.set_text_color(0.3 * 255)
    for number in range(2, count + 1):
        pdf.add_page(format=(len(str(number)) * DIGIT_W + 2 * PAD, SIZE + 2 * PAD))
        pdf.text(PAD, SIZE + PAD, str(number))
    return bytes(pdf.output())
