"""Input rules shared by every feature: trimmed strings with limits, URLs. Errors name the field."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from domain.errors import BadInput

MAX_URL_LENGTH = 2048
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters: text made only of them is blank

MAX_CUSTOM_PROMPT = 500  # characters of a custom prompt, wherever one is taken


def clean_text(value: str | None, field: str, *, max_length: int, required: bool = False) -> str | None:
    """Trimmed text, or None for blank optional input; BAD_USER_INPUT past the limit or when required."""
    if value is None:
        if required:
            raise BadInput(f"{field} is required", field=field)
        return None
    if "\x00" in value:
        raise BadInput(f"{field} must not contain NUL characters", field=field)
    text = value.strip()
    if not text.strip(INVISIBLE):
        text = ""
    if not text:
        if required:
            raise BadInput(f"{field} must not be blank", field=field)
        return None
    if len(text) > max_length:
        raise BadInput(f"{field} must be at most {max_length} characters", field=field)
    return text


def clean_url(value: str | None, field: str) -> str | None:
    """An absolute http(s) URL with a host, or None for blank input."""
    text = clean_text(value, field, max_length=MAX_URL_LENGTH)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port outside 0-65535
    except ValueError as exc:
        raise BadInput(f"{field} is not a valid URL", field=field) from exc
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise BadInput(f"{field} must not contain spaces or control characters", field=field)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise BadInput(f"{field} must be an http(s) URL such as https://example.com/job", field=field)
    return text


def is_uuid(value: str) -> bool:
    """Ids are UUIDs: anything else cannot name a row (and must not reach the database as is)."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False
