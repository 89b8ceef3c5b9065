"""Shared input rules."""

from __future__ import annotations

import pytest

from domain.errors import BadInput
from domain.validation import clean_text, clean_url, is_uuid


def test_text() -> None:
    assert clean_text("  a  b ", "f", max_length=10) == "a  b"
    assert clean_text("\u200b\u200b", "f", max_length=10) is None
    with pytest.raises(BadInput, match="required"):
        clean_text(None, "title", max_length=5, required=True)
    with pytest.raises(BadInput, match="blank"):
        clean_text("\u200b ", "title", max_length=5, required=True)
    with pytest.raises(BadInput, match="NUL"):
        clean_text("a\x00", "title", max_length=5)


@pytest.mark.parametrize(
    "url", ["ftp://x.com", "https://", "javascript:alert(1)", "https://a.com/\tx", "https://a.com:99999/", "a b"]
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(BadInput) as error:
        clean_url(url, "url")
    assert error.value.field == "url"


def test_good_urls_and_ids() -> None:
    assert clean_url(" https://example.com/jobs?id=1 ", "url") == "https://example.com/jobs?id=1"
    assert clean_url("", "url") is None
    assert is_uuid("00000000-0000-4000-8000-000000000000")
    assert not is_uuid("x") and not is_uuid("00000000-0000-4000-8000-00000000000\x00")
