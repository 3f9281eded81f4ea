"""Signs with real text: which font writes which script (Noto, OFL-1.1), how a sign face is laid out into
an image (raqm shaping and bidi), and OCR to measure that what was drawn reads back."""

from worldmill.signage.board import SignFace, draw_sign
from worldmill.signage.fonts import SignFont, font_for

__all__ = ["SignFace", "SignFont", "draw_sign", "font_for"]
