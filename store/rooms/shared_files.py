"""Files shared in a meeting's chat (contract §3.7): which uploads are taken, and how they are named.

Pure rules, used by the REST upload (``handlers/http/files.py``) before anything
is written. The original's messages are kept (they are multer's and its own).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from .errors import ValidationError
from .text import clean_text

# The original's whitelist: images, PDF, Word (old and OOXML: every application/vnd.openxmlformats…), text.
ALLOWED_TYPE = re.compile(r"^(image/|application/pdf|application/msword|application/vnd\.openxmlformats|text/)")
# type/subtype[; parameters]: RFC 9110 tokens only, so no header can be smuggled in through it.
MIME_SHAPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,63}/[A-Za-z0-9!#$&^_.+-]{1,63}$")
MIME_MAX = 100
ORIGINAL_NAME_MAX = 255
SENDER_MAX = 60
DEFAULT_SENDER = "Unknown"
DEFAULT_FILE_NAME = "file"
FILES_PER_MEETING = 200

NOT_ALLOWED = "Only images, PDFs, documents, and text files are allowed"
NO_FILE = "No file uploaded"
TOO_MANY = f"This meeting already has {FILES_PER_MEETING} files"


class TypeNotAllowed(ValidationError):
    code = "file_type_not_allowed"


def media_type(declared: str | None) -> str:
    """The part's declared type without parameters, lower-cased, if it is one we take."""
    essence = (declared or "").split(";", 1)[0].strip().lower()
    if len(essence) > MIME_MAX or not MIME_SHAPE.match(essence) or not ALLOWED_TYPE.match(essence):
        raise TypeNotAllowed(NOT_ALLOWED)
    return essence


def original_name(filename: str | None) -> str:
    """The name the uploader's browser sent, as the room sees it: the last path segment, no control
    characters, at most 255 characters (never used as a path: files are stored under random names)."""
    base = re.split(r"[/\\]", filename or "")[-1]
    printable = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return clean_text(printable, ORIGINAL_NAME_MAX, DEFAULT_FILE_NAME)


def sender_name(value: object) -> str:
    return clean_text(value, SENDER_MAX, DEFAULT_SENDER)


def attachment_disposition(name: str) -> str:
    """``Content-Disposition`` for a download: an ASCII fallback (``[\\w.-]``) and the exact UTF-8 name
    (RFC 6266 / 8187), so neither quotes nor line breaks in a name can break the header."""
    fallback = re.sub(r"[^\w.-]", "_", name.encode("ascii", "replace").decode("ascii")) or DEFAULT_FILE_NAME
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
