"""Inviting people: one by one, from CSV, co-facilitators and board members; reissue, revoke."""

from __future__ import annotations

import csv
import io
import re
import socket
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from deliberate import create_app, mail
from deliberate.extensions import db
from deliberate.models import (
    AuditEvent,
    Consultation,
    Invitation,
    Job,
    JobStatus,
    Membership,
    Role,
    Status,
    User,
    hash_token,
    utcnow,
)
from deliberate.services import mailing, people
from deliberate.services.invitations import create_invitation
from tests.conftest import FormClient, login
from tests.factories import make_consultation, make_member

LINK = re.compile(
    r'readonly value="(http://127\.0\.0\.1:5000/(?:i|facilitate/accept)/[A-Za-z0-9_-]+)"'
)


@pytest.fixture
def cid(app: Flask, client: FormClient) -> int:
    with app.app_context():
        consultation = make_consultation(
            outcomes=("A", "B", "C"), groups=("Funders", "Service users", "Staff"),
            status=Status.DRAFT, open_round=False,
        )  # fmt: skip
        consultation_id = consultation.id
    login(client, "fac@example.org", "pw")
    return consultation_id


def upload(client: FormClient, cid: int, text: str | bytes, **extra: Any) -> Any:
    data = text.encode() if isinstance(text, str) else text
    return client.submit(
        f"/facilitate/{cid}/people/import",
        {"import-file": (io.BytesIO(data), "people.csv"), **extra},
        page=f"/facilitate/{cid}/people",
        content_type="multipart/form-data",
    )


def invitations(app: Flask, cid: int) -> list[Invitation]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(Invitation).filter_by(consultation_id=cid).order_by(Invitation.id)
        ).all()
        for row in rows:
            _ = row.group
        db.session.expunge_all()
        return list(rows)


def people_csv(rows: int) -> str:
    groups = ["Funders", "Service users", "Staff"]
    lines = ["name,email,group"]
    lines += [f"Person {i},person{i}@example.org,{groups[i % 3]}" for i in range(rows)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- one by one


def test_inviting_one_stakeholder_shows_a_working_link_once(
    app: Flask, client: FormClient, cid: int
) -> None:
    with app.app_context():
        staff = db.session.get(Consultation, cid).groups[2].id
    response = client.submit(
        f"/facilitate/{cid}/people/invite",
        {
            "invite-name": "Ola <i>N</i>",
            "invite-email": "Ola@Example.org",
            "invite-role": "stakeholder",
            "invite-group": str(staff),
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ola &lt;i&gt;N&lt;/i&gt;" in body and "<i>N</i>" not in body
    assert "E-mail is not set up here" in body
    links = LINK.findall(body)
    assert len(links) == 1 and "/i/" in links[0]
    token = links[0].rsplit("/", 1)[1]
    (invitation,) = invitations(app, cid)
    assert invitation.token_hash == hash_token(token)
    assert (invitation.email, invitation.group.name) == ("ola@example.org", "Staff")
    listing = client.get(f"/facilitate/{cid}/people").get_data(as_text=True)
    assert token not in listing  # shown only once
    assert "not yet used" in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"invite-name": "", "invite-email": ""}, "Give a name or an e-mail address"),
        ({"invite-name": "x" * 81}, "Name"),
        ({"invite-name": "A", "invite-email": "not-an-address"}, "not an e-mail address"),
        ({"invite-name": "A", "invite-group": "999999"}, "Choose one of this consultation"),
        ({"invite-name": "A", "invite-role": "owner"}, "Invite as"),
    ],
)
def test_bad_invitations_are_a_400(
    app: Flask, client: FormClient, cid: int, data: dict[str, str], message: str
) -> None:
    with app.app_context():
        group = db.session.get(Consultation, cid).groups[0].id
    response = client.submit(
        f"/facilitate/{cid}/people/invite",
        {"invite-role": "stakeholder", "invite-group": str(group), **data},
        page=f"/facilitate/{cid}/people",
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert invitations(app, cid) == []


def test_a_second_live_invitation_for_the_same_email_is_refused(
    app: Flask, client: FormClient, cid: int
) -> None:
    with app.app_context():
        group = db.session.get(Consultation, cid).groups[0].id
    data = {
        "invite-email": "a@example.org",
        "invite-role": "stakeholder",
        "invite-group": str(group),
    }
    page = f"/facilitate/{cid}/people"
    assert client.submit(f"/facilitate/{cid}/people/invite", data, page=page).status_code == 200
    again = client.submit(f"/facilitate/{cid}/people/invite", data, page=page)
    assert again.status_code == 409
    assert "already has a live invitation" in again.get_data(as_text=True)


# --------------------------------------------------------------------------- CSV import


def test_a_csv_file_invites_everyone_and_offers_the_links_as_csv(
    app: Flask, client: FormClient, cid: int
) -> None:
    response = upload(client, cid, "\ufeff" + people_csv(30))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "30 invitations created" in body
    links = LINK.findall(body)
    assert len(links) == 30
    rows = invitations(app, cid)
    assert [r.group.name for r in rows].count("Staff") == 10
    assert {r.token_hash for r in rows} == {hash_token(u.rsplit("/", 1)[1]) for u in links}
    download = client.submit(
        f"/facilitate/{cid}/people/links.csv",
        {"link": [*links, "http://127.0.0.1:5000/i/forged-token"]},
        page=f"/facilitate/{cid}/people",
    )
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert len(table) == 30  # the forged link is not a link of this consultation
    assert table[0] == {
        "name": "Person 0",
        "email": "person0@example.org",
        "group": "Funders",
        "role": "stakeholder",
        "link": links[0],
    }
    with app.app_context():
        assert db.session.scalar(
            db.select(AuditEvent.detail).filter_by(action="invitation.import")
        ) == ("30 stakeholders from a CSV file")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Amira,a@example.org,Funders\n", "The first row must be the header"),
        ("name,email\nAmira,a@example.org\n", "The first row must be the header"),
        ("name,email,group\nAmira,a@example.org,Funders\nBen,b@example.org,Pirates\n",
         "Row 3: there is no group “Pirates”"),
        ("name,email,group\nAmira,a@example.org,Funders\nBen,not-email,Staff\n",
         "Row 3: “not-email” is not an e-mail address"),
        ("name,email,group\nAmira,a@example.org,Funders\nBen,A@example.org,Staff\n",
         "Row 3: a@example.org is already invited"),
        ("name,email,group\nAmira,a@example.org,Funders,extra\n", "Row 2: expected 3 columns"),
        ("name,email,group\n,,Funders\n", "Row 2: Give a name or an e-mail address"),
        (f"name,email,group\n{'x' * 81},,Funders\n", "Row 2: The name is 81 characters long"),
        ("name,email,group\n", "nobody in it"),
        ('name,email,group\n"Two\nlines",,Funders\n', "Row 2: The name contains a line break"),
        ("", "The first row must be the header"),
    ],
)  # fmt: skip
def test_a_bad_row_rejects_the_whole_file(
    app: Flask, client: FormClient, cid: int, text: str, message: str
) -> None:
    response = upload(client, cid, text)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nobody was invited" in body
    assert message in body
    assert invitations(app, cid) == []


def test_downloaded_links_cannot_run_as_spreadsheet_formulas(
    app: Flask, client: FormClient, cid: int
) -> None:
    response = upload(client, cid, "name,email,group\n=HYPERLINK(1),,Funders\n")
    links = LINK.findall(response.get_data(as_text=True))
    download = client.submit(
        f"/facilitate/{cid}/people/links.csv", {"link": links}, page=f"/facilitate/{cid}/people"
    )
    (row,) = csv.DictReader(io.StringIO(download.get_data(as_text=True)))
    assert row["name"] == "'=HYPERLINK(1)"


def test_a_file_that_is_not_utf8_is_refused(app: Flask, client: FormClient, cid: int) -> None:
    response = upload(client, cid, "name,email,group\nJosé,,Funders\n".encode("latin-1"))
    assert response.status_code == 400
    assert "not UTF-8" in response.get_data(as_text=True)
    assert invitations(app, cid) == []


def test_columns_may_come_in_any_order_and_groups_in_any_case(
    app: Flask, client: FormClient, cid: int
) -> None:
    response = upload(client, cid, "Group,Name,Email\nservice USERS,Bea,\n")
    assert response.status_code == 200
    (row,) = invitations(app, cid)
    assert (row.name, row.email, row.group.name) == ("Bea", None, "Service users")


def test_an_upload_without_a_file_is_a_400(app: Flask, client: FormClient, cid: int) -> None:
    response = client.submit(
        f"/facilitate/{cid}/people/import", {}, page=f"/facilitate/{cid}/people"
    )
    assert response.status_code == 400


# ------------------------------------------------------------------ status, reissue, revoke


def _seeded(app: Flask, cid: int) -> dict[str, int]:
    """One invitation in each state: not yet used, joined, expired, revoked."""
    from deliberate.services.invitations import redeem

    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        funders, staff = consultation.groups[0], consultation.groups[2]
        waiting, _ = create_invitation(consultation, Role.STAKEHOLDER, funders, name="Waiting")
        joined, _ = create_invitation(consultation, Role.STAKEHOLDER, staff, name="Joined")
        expired, _ = create_invitation(consultation, Role.STAKEHOLDER, funders, name="Expired")
        revoked, _ = create_invitation(consultation, Role.STAKEHOLDER, funders, name="Revoked")
        db.session.flush()
        redeem(joined, "Jo")
        expired.expires_at = utcnow() - timedelta(days=1)
        revoked.revoked_at = utcnow()
        db.session.commit()
        return {
            "waiting": waiting.id,
            "joined": joined.id,
            "expired": expired.id,
            "revoked": revoked.id,
        }


def test_invitations_are_listed_with_their_status_and_group(
    app: Flask, client: FormClient, cid: int
) -> None:
    _seeded(app, cid)
    body = client.get(f"/facilitate/{cid}/people").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>(\w+)</td>.*?state-[\w-]+\">([\w ]+)</span>", body, re.S)
    assert sorted(rows) == [
        ("Expired", "expired"),
        ("Joined", "joined"),
        ("Revoked", "revoked"),
        ("Waiting", "not yet used"),
    ]
    assert re.search(r"<td>Joined</td>.*?<td>Staff</td>", body, re.S)


def test_reissue_gives_a_new_link_and_the_old_one_stops_working(
    app: Flask, client: FormClient, cid: int
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        invitation, old = create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0])
        db.session.commit()
        iid = invitation.id
    response = client.submit(
        f"/facilitate/{cid}/people/{iid}/reissue", page=f"/facilitate/{cid}/people"
    )
    assert response.status_code == 200
    (new,) = LINK.findall(response.get_data(as_text=True))
    with app.app_context():
        assert people.find_invitation(new.rsplit("/", 1)[1]).id == iid
        with pytest.raises(people.InvitationError):
            people.find_invitation(old)
    assert client.get(f"/i/{old}").status_code == 404


def test_revoking_a_joined_invitation_removes_the_member(
    app: Flask, client: FormClient, cid: int
) -> None:
    ids = _seeded(app, cid)
    page = f"/facilitate/{cid}/people"
    response = client.submit(f"/facilitate/{cid}/people/{ids['joined']}/revoke", page=page)
    assert response.status_code == 302
    with app.app_context():
        invitation = db.session.get(Invitation, ids["joined"])
        assert invitation.revoked_at is not None
        assert invitation.membership is not None  # kept, for their answers in closed rounds
        assert invitation.membership.removed_at is not None
    again = client.submit(f"/facilitate/{cid}/people/{ids['joined']}/revoke", page=page)
    assert again.status_code == 409
    with app.app_context():
        detail = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert detail[-2:] == ["invitation.revoke", "member.remove"]


def test_another_consultations_invitation_is_a_404(
    app: Flask, client: FormClient, cid: int
) -> None:
    with app.app_context():
        other = make_consultation(title="Other", facilitator_email=None)
        invitation, _ = create_invitation(other, Role.STAKEHOLDER, other.groups[0])
        db.session.commit()
        iid = invitation.id
    page = f"/facilitate/{cid}/people"
    assert client.submit(f"/facilitate/{cid}/people/{iid}/revoke", page=page).status_code == 404
    assert client.submit(f"/facilitate/{cid}/people/{iid}/reissue", page=page).status_code == 404


# --------------------------------------------------------------------------- co-facilitators


def _staff_link(client: FormClient, cid: int, role: str, email: str = "") -> str:
    response = client.submit(
        f"/facilitate/{cid}/people/invite",
        {"invite-name": "Co", "invite-email": email, "invite-role": role},
        page=f"/facilitate/{cid}/people",
    )
    (link,) = LINK.findall(response.get_data(as_text=True))
    assert "/facilitate/accept/" in link
    return link.removeprefix("http://127.0.0.1:5000")


def test_a_new_person_sets_a_password_and_becomes_co_facilitator(
    app: Flask, client: FormClient, cid: int
) -> None:
    path = _staff_link(client, cid, "facilitator")
    client.submit("/logout", page="/facilitate/")
    page = client.get(path).get_data(as_text=True)
    assert "as a co-facilitator" in page
    short = client.submit(
        path, {"display_name": "Co", "email": "co@example.org", "password": "short"}
    )
    assert short.status_code == 400
    assert "at least 10 characters" in short.get_data(as_text=True)
    response = client.submit(
        path, {"display_name": "Co", "email": "Co@Example.org", "password": "a long passphrase"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/facilitate/{cid}/"
    assert client.get(f"/facilitate/{cid}/setup").status_code == 200
    client.submit("/logout", page="/facilitate/")
    assert login(client, "co@example.org", "a long passphrase").status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="co@example.org"))
        membership = db.session.scalar(db.select(Membership).filter_by(user_id=user.id))
        assert (membership.role, membership.consultation_id) == (Role.FACILITATOR, cid)


def test_a_signed_in_user_accepts_a_board_invitation(
    app: Flask, client: FormClient, cid: int
) -> None:
    path = _staff_link(client, cid, "board")
    with app.app_context():
        other = make_consultation(title="Other", facilitator_email="member@example.org")
        del other
    client.submit("/logout", page="/facilitate/")
    login(client, "member@example.org", "pw")
    assert "You are signed in as" in client.get(path).get_data(as_text=True)
    response = client.submit(path)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="member@example.org"))
        roles = {m.consultation_id: m.role for m in user.memberships}
        assert roles[cid] is Role.BOARD
    assert client.get(f"/facilitate/{cid}/setup").status_code == 403  # board, not facilitator
    second = client.submit(path)  # accepting again is harmless
    assert second.status_code == 302


def test_an_invitation_accepted_by_someone_else_is_refused(
    app: Flask, client: FormClient, cid: int
) -> None:
    path = _staff_link(client, cid, "facilitator")
    client.submit("/logout", page="/facilitate/")
    client.submit(path, {"display_name": "A", "email": "a@example.org", "password": "passphrase-a"})
    client.submit("/logout", page="/facilitate/")
    response = client.submit(
        path, {"display_name": "B", "email": "b@example.org", "password": "passphrase-b"}
    )
    assert response.status_code == 409
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email="b@example.org")) is None


def test_an_existing_email_must_sign_in_instead(app: Flask, client: FormClient, cid: int) -> None:
    path = _staff_link(client, cid, "board")
    client.submit("/logout", page="/facilitate/")
    response = client.submit(
        path, {"display_name": "X", "email": "fac@example.org", "password": "a long passphrase"}
    )
    assert response.status_code == 409
    assert "sign in to accept" in response.get_data(as_text=True)


def test_accept_refuses_unknown_and_stakeholder_tokens(
    app: Flask, client: FormClient, cid: int
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        _, token = create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0])
        db.session.commit()
    assert client.get("/facilitate/accept/nonsense").status_code == 404
    assert client.get(f"/facilitate/accept/{token}").status_code == 404


def test_a_stakeholder_member_cannot_accept_without_a_password(
    app: Flask, client: FormClient, cid: int
) -> None:
    path = _staff_link(client, cid, "facilitator")
    with app.app_context():
        member = make_member(db.session.get(Consultation, cid), group="Staff")
        user_id = member.user_id
    client.submit("/logout", page="/facilitate/")
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:0"
        session["_fresh"] = True
    page = client.get(path).get_data(as_text=True)
    assert "Create account and accept" in page  # a passwordless stakeholder gets the account form


# --------------------------------------------------------------------------- e-mail


def test_nothing_is_sent_when_mail_is_not_configured(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MAIL_SERVER", "MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    assert mail.mail_settings({}) is None
    assert mail.mail_settings({"MAIL_SERVER": "smtp.example.org"}) is None

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("no connection may be opened")

    monkeypatch.setattr(mail.smtplib, "SMTP", refuse)
    with app.test_request_context():
        consultation = make_consultation()
        link = people.invite(consultation, None, Role.BOARD, name="B", email="b@example.org")
        assert people.email_links(consultation, [link]) is None


def test_the_invitation_message_carries_the_link() -> None:
    message = mail.invitation_message(
        "Deliberate <noreply@example.org>", "Ola N", "ola@example.org", "Parks 2027",
        "What matters?", "https://d.example/i/abc", "stakeholder",
    )  # fmt: skip
    assert message["To"] == "Ola N <ola@example.org>"
    assert message["Subject"] == "Your invitation: Parks 2027"
    body = message.get_content()
    assert "https://d.example/i/abc" in body and "Hello Ola N," in body


class FakeSMTP:
    """A minimal SMTP server on 127.0.0.1 that keeps what it receives (commands too).

    With ``hold_after=N`` it accepts N messages, then answers no more until ``release``.
    """

    def __init__(self, hold_after: int | None = None) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.messages: list[str] = []
        self.commands: list[str] = []
        self.hold_after = hold_after
        self.release = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        connection, _ = self.socket.accept()
        self.socket.close()
        with connection, connection.makefile("rwb") as stream:

            def reply(line: str) -> None:
                stream.write(f"{line}\r\n".encode())
                stream.flush()

            reply("220 fake ESMTP")
            data: list[str] | None = None
            for raw in stream:
                line = raw.decode().rstrip("\r\n")
                if data is not None:
                    if line == ".":
                        self.messages.append("\n".join(data))
                        data = None
                        if self.hold_after is not None and len(self.messages) > self.hold_after:
                            assert self.release.wait(60), "the test never released the server"
                        reply("250 queued")
                    else:
                        data.append(line)
                    continue
                verb = line.split(" ", 1)[0].upper()
                self.commands.append(verb)
                if verb == "EHLO":
                    reply("250 fake")
                elif verb == "DATA":
                    data = []
                    reply("354 go ahead")
                elif verb == "QUIT":
                    reply("221 bye")
                    return
                else:
                    reply("250 ok")


def test_links_are_emailed_when_smtp_is_configured(
    app: Flask, client: FormClient, cid: int
) -> None:
    server = FakeSMTP()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(server.port), MAIL_FROM="d@example.org"
    )
    page = client.get(f"/facilitate/{cid}/people").get_data(as_text=True)
    assert "E-mail each person their link" in page
    response = upload(
        client, cid, "name,email,group\nAmira,amira@example.org,Funders\nBen,,Staff\n",
        **{"import-send_email": "y"},
    )  # fmt: skip
    body = response.get_data(as_text=True)
    assert "1 e-mail(s) sent" in body
    server.thread.join(timeout=5)
    (message,) = server.messages
    (amira,) = [link for link in LINK.findall(body) if link in message]
    assert "To: Amira <amira@example.org>" in message
    assert amira.startswith("http://127.0.0.1:5000/i/")


def test_a_mail_failure_still_shows_the_links(app: Flask, client: FormClient, cid: int) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_FROM="d@example.org")
    response = upload(
        client, cid, "name,email,group\nAmira,amira@example.org,Funders\n",
        **{"import-send_email": "y"},
    )  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "could not be sent" in body
    assert len(LINK.findall(body)) == 1


def test_many_invitations_are_emailed_by_a_job_after_they_are_saved(
    app: Flask, client: FormClient, cid: int
) -> None:
    server = FakeSMTP(hold_after=1)
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(server.port), MAIL_FROM="d@example.org",
        JOB_WAIT_SECONDS=0.2,
    )  # fmt: skip
    response = upload(client, cid, people_csv(40), **{"import-send_email": "y"})
    body = response.get_data(as_text=True)
    # The request answered while the job was still sending: every link is shown, the
    # invitations are saved, and the page says the e-mails are on their way.
    assert response.status_code == 200 and len(LINK.findall(body)) == 40
    assert "The e-mails are being sent" in body
    assert len(invitations(app, cid)) == 40
    with app.app_context():
        job = db.session.scalar(db.select(Job).filter_by(kind=mailing.KIND))
        job_id = job.id
        assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    follow = f"/facilitate/{cid}/people/mail?job={job_id}"
    deadline = time.monotonic() + 20
    while (progress := client.get(f"/facilitate/{cid}/people")).get_data(as_text=True).count(
        "% done"
    ) == 0:
        assert time.monotonic() < deadline, "no progress was shown"
        time.sleep(0.05)
    page = progress.get_data(as_text=True)
    assert "E-mails are being sent: 2% done" in page or "E-mails are being sent: 3% done" in page
    assert "<progress" in page and follow in page
    pending = client.get(follow)
    assert pending.status_code == 202 and "Sending e-mails" in pending.get_data(as_text=True)
    server.release.set()
    server.thread.join(timeout=20)
    with app.app_context():
        while db.session.get(Job, job_id).status is not JobStatus.DONE:
            assert time.monotonic() < deadline, "the e-mails were not sent"
            time.sleep(0.05)
            db.session.expire_all()
        assert db.session.get(Job, job_id).payload == ""  # no link kept once sent
    done = client.get(follow)
    assert done.status_code == 302
    assert "40 e-mail(s) sent." in client.get(done.location).get_data(as_text=True)
    assert len(server.messages) == 40
    assert set(LINK.findall(body)) == {
        next(line for line in m.splitlines() if "/i/" in line).strip() for m in server.messages
    }


def test_a_mail_login_is_never_sent_without_starttls(
    app: Flask, client: FormClient, cid: int
) -> None:
    server = FakeSMTP()  # offers no STARTTLS
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(server.port), MAIL_FROM="d@example.org",
        MAIL_USERNAME="deliberate", MAIL_PASSWORD="secret-password",
    )  # fmt: skip
    response = upload(
        client, cid, "name,email,group\nAmira,amira@example.org,Funders\n",
        **{"import-send_email": "y"},
    )  # fmt: skip
    body = response.get_data(as_text=True)
    assert "does not offer STARTTLS" in body and "0 of 1 went" in body
    assert len(LINK.findall(body)) == 1  # the link is still shown to copy
    server.thread.join(timeout=5)
    assert "AUTH" not in server.commands and not server.messages


def test_mail_settings_are_read_once_at_start_not_per_request(
    app: Flask, client: FormClient, cid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_FROM", "d@example.org")
    page = client.get(f"/facilitate/{cid}/people").get_data(as_text=True)
    assert "E-mail each person their link" not in page
    configured = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    assert mail.mail_settings(configured.config) == mail.MailSettings(
        "smtp.example.org", mail.DEFAULT_PORT, "d@example.org"
    )
