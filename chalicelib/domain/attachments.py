"""Files contacts attach (payment proofs, support files) and the comments that carry them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from chalicelib.domain.validation import ID_RE, Reader

MAX_BYTES = 10 * 1024 * 1024
# content type → (accepted extensions, leading bytes of a real file of that type)
ALLOWED = {
    "application/pdf": ((".pdf",), (b"%PDF-",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
}
SNIFF_BYTES = 8
MAX_ATTACHMENTS = 5
MAX_BODY = 4000


@dataclass(frozen=True, slots=True)
class UploadRequest:
    filename: str
    content_type: str
    size: int


def read_upload(body: object) -> UploadRequest:
    r = Reader(body)
    filename = r.text("filename", required=True, max_len=200)
    content_type = r.choice("content_type", tuple(ALLOWED), required=True)
    size = r.integer("size", required=True, minimum=1)
    if size is not None and size > MAX_BYTES:
        r.fail("size", f"must be at most {MAX_BYTES // (1024 * 1024)} MB")
    if filename and content_type and not filename.lower().endswith(ALLOWED[content_type][0]):
        r.fail("filename", f"must end in {' or '.join(ALLOWED[content_type][0])} for {content_type}")
    r.finish()
    assert filename and content_type and size
    return UploadRequest(filename=filename, content_type=content_type, size=size)


def safe_filename(filename: str) -> str:
    """The name as an S3 key segment and a Content-Disposition value: ASCII letters, digits, . _ -."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip(".-") or "file"
    return cleaned[-100:]


MAX_FILENAME = 120
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f-\x9f"\'`/\\\u2028\u2029]+')


def display_filename(filename: str) -> str:
    """The name kept and shown for a file: no control characters, quotes, slashes or backslashes, at most
    :data:`MAX_FILENAME` characters with its extension kept."""
    cleaned = _UNSAFE_IN_NAME.sub("_", unicodedata.normalize("NFC", filename)).strip(" .") or "file"
    if len(cleaned) <= MAX_FILENAME:
        return cleaned
    stem, dot, extension = cleaned.rpartition(".")
    if not dot or len(extension) > 10:
        return cleaned[:MAX_FILENAME]
    return f"{stem[:MAX_FILENAME - len(extension) - 1]}.{extension}"


def looks_like(content_type: str, head: bytes) -> bool:
    """Whether the file's first bytes are those of ``content_type`` (a renamed .exe is not a PDF)."""
    return any(head.startswith(magic) for magic in ALLOWED[content_type][1])


@dataclass(frozen=True, slots=True)
class CommentRequest:
    body: str
    attachment_ids: tuple[str, ...]
    payment_proof: bool


def read_comment(body: object) -> CommentRequest:
    r = Reader(body)
    text = r.text("body", required=True, max_len=MAX_BODY, multiline=True)
    ids: list[str] = []
    raw = r.raw("attachment_ids")
    if raw is not None:
        if not isinstance(raw, list) or not all(isinstance(i, str) and ID_RE.fullmatch(i) for i in raw):
            r.fail("attachment_ids", "must be a list of upload ids")
        elif len(raw) > MAX_ATTACHMENTS:
            r.fail("attachment_ids", f"at most {MAX_ATTACHMENTS} files per comment")
        elif len(set(raw)) != len(raw):
            r.fail("attachment_ids", "names an upload more than once")
        else:
            ids = list(raw)
    proof = r.boolean("payment_proof")
    if text is not None and not text.strip():
        r.fail("body", "must not be blank")
    r.finish()
    assert text is not None
    return CommentRequest(body=text.strip(), attachment_ids=tuple(ids), payment_proof=bool(proof))


@dataclass(frozen=True, slots=True)
class StaffReply:
    body: str
    author_name: str | None
    author_email: str | None


def read_staff_reply(body: object) -> StaffReply:
    r = Reader(body)
    text = r.text("body", required=True, max_len=MAX_BODY, multiline=True)
    author = r.obj("author")
    name = email = None
    if author is not None:
        name = author.text("name", required=True, max_len=120)
        email = author.email("email")
    if text is not None and not text.strip():
        r.fail("body", "must not be blank")
    r.finish()
    assert text is not None
    return StaffReply(body=text.strip(), author_name=name, author_email=email)
