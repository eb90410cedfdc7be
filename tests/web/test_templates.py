"""Templates keep to one way of doing each thing: no inline styles (so the policy needs no
'unsafe-inline'), one CSRF field, links built from routes."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import FormClient

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: The self-contained copy printed to PDF: its stylesheet is inline, under its own policy.
PRINTED_COPY = TEMPLATES / "board" / "document.html"


def _templates() -> dict[str, str]:
    return {
        str(path.relative_to(TEMPLATES)): path.read_text(encoding="utf-8")
        for path in sorted(TEMPLATES.rglob("*.html"))
        if path != PRINTED_COPY
    }


def test_no_template_has_an_inline_style() -> None:
    inline = [
        name
        for name, text in _templates().items()
        if re.search(r"\sstyle\s*=|<style[\s>]", text, re.IGNORECASE)
    ]
    assert not inline


def test_the_policy_allows_styles_from_this_site_only(client: FormClient) -> None:
    policy = client.get("/login").headers["Content-Security-Policy"]
    styles = next(p for p in policy.split(";") if p.strip().startswith("style-src")).split()
    assert styles == ["style-src", "'self'"]


def test_every_form_sends_its_csrf_token_one_way() -> None:
    other = [
        name
        for name, text in _templates().items()
        if re.search(r"csrf_token\b|hidden_tag\(", text.replace("csrf_field()", ""))
    ]
    assert not other
    posting = [name for name, text in _templates().items() if 'method="post"' in text]
    assert posting and all("csrf_field()" in _templates()[name] for name in posting)


def test_links_are_built_from_routes() -> None:
    written = [
        name
        for name, text in _templates().items()
        if re.search(r"""(href|action|src)="/|['"]/[a-z]+/[^'"]*%""", text)
    ]
    assert not written
