"""Optional e-mail of invitation links and reminders over SMTP.

Configured by the app's config (``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USERNAME``,
``MAIL_PASSWORD``, ``MAIL_FROM``, read from the environment at start-up by
:mod:`deliberate.config`). Without ``MAIL_SERVER`` and ``MAIL_FROM`` nothing is sent:
facilitators copy the links instead, which always work. A login is sent only over a
connection encrypted with STARTTLS.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import ROOT

DEFAULT_PORT = 587
TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send mail."""

    server: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None


class MailRefused(smtplib.SMTPException):
    """Nothing was sent: the server cannot be used safely (the message says why)."""


def mail_settings(config: Mapping[str, Any]) -> MailSettings | None:
    """Settings from the app's ``config``, or None when mail is not set up."""

    def setting(name: str) -> str:
        return str(config.get(name) or "").strip()

    server, sender = setting("MAIL_SERVER"), setting("MAIL_FROM")
    if not server or not sender:
        return None
    port = setting("MAIL_PORT")
    return MailSettings(
        server=server,
        port=int(port) if port.isdigit() else DEFAULT_PORT,
        sender=sender,
        username=setting("MAIL_USERNAME") or None,
        password=setting("MAIL_PASSWORD") or None,
    )


#: The mail bodies: plain-text Jinja templates under ``templates/mail``, never escaped.
_BODIES = Environment(
    loader=FileSystemLoader(ROOT / "templates"),
    autoescape=False,  # nosec B701: plain text, never shown as HTML
    keep_trailing_newline=True,
    undefined=StrictUndefined,
)


def _message(
    sender: str, name: str, email: str, subject: str, template: str, **values: object
) -> EmailMessage:
    """A plain-text message to one person, its body ``templates/mail/<template>.txt``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((name, email)) if name else email
    message["Subject"] = subject
    body = _BODIES.get_template(f"mail/{template}.txt").render(name=name, **values)
    message.set_content(body)
    return message


def invitation_message(
    sender: str, name: str, email: str, title: str, question: str, url: str, role: str
) -> EmailMessage:
    """The e-mail that carries one invitation link (plain text, no tracking)."""
    subject = f"Your invitation: {title}"
    return _message(
        sender,
        name,
        email,
        subject,
        "invitation",
        title=title,
        question=question,
        url=url,
        role=role,
    )


def reminder_message(
    sender: str, name: str, email: str, title: str, round_number: int
) -> EmailMessage:
    """A reminder to finish a round, for someone who has joined (it carries no link)."""
    subject = f"Reminder: round {round_number} of {title}"
    return _message(
        sender, name, email, subject, "reminder", title=title, round_number=round_number
    )


def send(
    settings: MailSettings,
    messages: Iterable[EmailMessage],
    sent_so_far: Callable[[int], None] | None = None,
) -> int:
    """Send ``messages`` over one SMTP connection (STARTTLS when offered); return how many.

    ``sent_so_far(n)`` hears after each message. With a login set, a server that does not
    offer STARTTLS is refused (:class:`MailRefused`) before the password is sent.
    """
    sent = 0
    with smtplib.SMTP(settings.server, settings.port, timeout=TIMEOUT_SECONDS) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
        elif settings.username and settings.password:
            raise MailRefused(
                f"{settings.server} does not offer STARTTLS, so the mail login is not sent "
                "over an unencrypted connection"
            )
        if settings.username and settings.password:
            smtp.login(settings.username, settings.password)
        for message in messages:
            smtp.send_message(message)
            sent += 1
            if sent_so_far is not None:
                sent_so_far(sent)
    return sent
