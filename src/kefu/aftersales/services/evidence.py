"""Evidence uploads: photos the customer sends (and outbound records the warehouse attaches).

Only JPEG, PNG and WebP, at most KEFU_AFTERSALES_EVIDENCE_MAX_BYTES (5 MB by default). The type is read
from the file's first bytes, never from its name or the browser's claim, and the stored name is ours
(a random hex name with the extension of the detected type), so a file cannot choose where it lands.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.base import ContentFile

from kefu.core import clock
from kefu.core.errors import DomainError

from ..models import AfterSalesCase, CaseEvidence

KINDS = {choice.value for choice in CaseEvidence.Kind}


def max_bytes() -> int:
    return int(getattr(settings, "KEFU_AFTERSALES_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024))


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG or WebP image from its first 12 bytes, else None."""
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg", "jpg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png", "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def checked(upload, *, field: str = "evidence") -> tuple[bytes, str, str]:
    """Read and check one upload (a Django File / UploadedFile). Returns (content, content type, extension)."""
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise DomainError(f"a photo may be at most {limit // (1024 * 1024)} MB", field=field, code="too_large")
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise DomainError(f"a photo may be at most {limit // (1024 * 1024)} MB", field=field, code="too_large")
    kind = sniff(content[:12])
    if kind is None:
        raise DomainError("only JPEG, PNG or WebP photos are accepted", field=field, code="bad_type")
    return content, *kind


def store(case: AfterSalesCase, upload, kind: str, content: bytes, content_type: str, extension: str,
          by=None) -> CaseEvidence:
    """Write a checked upload. Call inside the caller's transaction, after `checked`."""
    if kind not in KINDS:
        raise DomainError(f"evidence kind must be one of {', '.join(sorted(KINDS))}", field="evidence.kind")
    evidence = CaseEvidence(case=case, kind=kind, original_name=(getattr(upload, "name", "") or "")[-200:],
                            content_type=content_type, size=len(content), uploaded_at=clock.now(),
                            uploaded_by=by if by is not None and not isinstance(by, str) else None)
    evidence.file.save(f"{case.number}-{secrets.token_hex(8)}.{extension}", ContentFile(content), save=False)
    evidence.save()
    return evidence
