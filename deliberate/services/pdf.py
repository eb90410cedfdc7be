"""Print a self-contained HTML document to PDF with headless Chromium.

The document is written to a private temporary folder and opened from there; it must
carry its styles inline and fetch nothing (the board templates add a Content Security
Policy that forbids any load), and Chromium runs with its networking features off.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal

# subprocess runs one fixed local binary with list arguments, never a shell.
import subprocess  # nosec B404
import tempfile
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
#: Headless Chromium on a machine with no outside network (also used by the browser tests).
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
TIMEOUT_SECONDS = 60
#: Chromium runs at a lower CPU priority than the web server, so pages answer while it prints.
NICENESS = 10


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element.

    Every character but letters, digits, spaces and ``.,-·`` becomes a CSS escape, so no
    quote, backslash, newline or ``</style>`` can end the string or the element.
    """
    safe = "".join(c if c.isalnum() or c in " .,-·" else f"\\{ord(c):x} " for c in text)
    return f'"{safe}"'


def running_head(text: str) -> str:
    """Print CSS that repeats ``text`` at the top of every page, left, in small grey type."""
    return (
        "@media print { @page { @top-left { content: "
        + css_string(text)
        + "; font: 8pt system-ui, sans-serif; color: #4a5563; } } }"
    )


class PdfUnavailable(Exception):
    """No PDF could be made (Chromium missing, failing or too slow); the message says why."""


def chromium() -> str | None:
    """Path of the Chromium binary, if installed."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


def html_to_pdf(html: str, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """Render a self-contained HTML document to PDF bytes (A4 as its print CSS sets).

    Raises
    ------
    PdfUnavailable
        When Chromium is not installed, fails, or takes longer than ``timeout`` seconds.
    """
    binary = chromium()
    if binary is None:
        raise PdfUnavailable(
            "PDFs need Chromium on the server (apt-get install chromium). "
            "Use your browser's Print to save the summary as PDF meanwhile."
        )
    with tempfile.TemporaryDirectory(prefix="deliberate-pdf-") as folder:
        source = Path(folder) / "summary.html"
        target = Path(folder) / "summary.pdf"
        source.write_text(html, encoding="utf-8")
        command = [
            binary,
            *HEADLESS_FLAGS,
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        # A fixed binary and flags; the only input is the file written above. Chromium runs
        # in its own session so that a timeout ends its helper processes too.
        with subprocess.Popen(  # nosec B603
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ) as process:
            with contextlib.suppress(OSError):  # the process may already have ended
                os.setpriority(os.PRIO_PROCESS, process.pid, NICENESS)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired as error:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise PdfUnavailable(
                    f"The PDF took longer than {timeout:.0f} seconds to make. Please try again."
                ) from error
        if not target.is_file() or target.stat().st_size == 0:
            raise PdfUnavailable("Chromium could not make the PDF. Please try again later.")
        return target.read_bytes()
