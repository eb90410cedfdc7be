"""Printing the board summary to PDF: a real Chromium, and the ways it can fail."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from deliberate.services import pdf
from tests.conftest import unavailable


def _fake_chromium(tmp_path: Path, body: str) -> str:
    script = tmp_path / "chromium"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


def test_a_document_prints_to_an_a4_pdf_with_its_text(tmp_path: Path) -> None:
    if pdf.chromium() is None:
        unavailable("needs Chromium (apt-get install chromium)", "DELIBERATE_REQUIRE_BROWSER")
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><style>@page { size: A4 }</style>"
        "</head><body><h1>Where they conflict</h1><p>Prevention ranks first.</p></body></html>"
    )
    data = pdf.html_to_pdf(html)
    target = tmp_path / "out.pdf"
    target.write_bytes(data)
    reader = PdfReader(target)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text()
    assert "Where they conflict" in text and "Prevention ranks first." in text


def test_missing_chromium_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "chromium", lambda: None)
    with pytest.raises(pdf.PdfUnavailable, match="apt-get install chromium"):
        pdf.html_to_pdf("<p>x</p>")


def test_a_slow_chromium_is_stopped_with_its_helpers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    marker = tmp_path / "helper-still-running"
    # The helper outlives the parent unless the whole process group is ended.
    binary = _fake_chromium(tmp_path, f"(sleep 2; touch {marker}) &\nsleep 30")
    monkeypatch.setattr(pdf, "chromium", lambda: binary)
    started = time.monotonic()
    with pytest.raises(pdf.PdfUnavailable, match="took longer than 1 seconds"):
        pdf.html_to_pdf("<p>x</p>", timeout=1)
    assert time.monotonic() - started < 10
    time.sleep(2.5)
    assert not marker.exists()


def test_a_failing_chromium_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    binary = _fake_chromium(tmp_path, "exit 1")
    monkeypatch.setattr(pdf, "chromium", lambda: binary)
    with pytest.raises(pdf.PdfUnavailable, match="could not make the PDF"):
        pdf.html_to_pdf("<p>x</p>")
