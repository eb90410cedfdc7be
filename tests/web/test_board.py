"""The board summary pages: who may see them, the facilitator's note, read-only links, PDF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from deliberate.demo import BOARD_EMAIL, DEMO_TITLE, FACILITATOR_EMAIL
from deliberate.extensions import db
from deliberate.models import AuditEvent, Consultation, Role, Round, ShareLink, hash_token, utcnow
from deliberate.services import pdf
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation, make_member

SHARE_URL = re.compile(r'value="https?://[^"]+/s/([A-Za-z0-9_-]+)"')


def _stakeholder_names(app: Flask, cid: int) -> list[str]:
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        return [m.user.display_name for m in consultation.memberships if m.role is Role.STAKEHOLDER]


def test_board_member_reads_the_summary_of_the_closed_round(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, BOARD_EMAIL)
    index = client.get("/board/").get_data(as_text=True)
    assert f'href="/board/{demo}/"' in index
    page = client.get(f"/board/{demo}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert DEMO_TITLE in html
    assert "Consensus summary · Round 1" in html
    for heading in (
        "What was weighed",
        "Who took part",
        "The consensus priorities",
        "Where stakeholders converge",
        "Where they conflict",
        "How much the answer depends on whose voice counts",
        "How far stakeholders agree overall",
        "Method",
    ):
        assert f">{heading}</h2>" in html
    assert "Efficiency is first for Funders but fifth to seventh for Service users." in html
    assert "too close to separate" in html
    flat = " ".join(html.split())
    assert "at least 75 in 100 members of every group put the same outcome first" in flat
    assert "No pair of outcomes meets this: on every pair, at least one group falls short" in html
    assert "however voices are counted" not in html
    assert "Efficiency against Equity divides the groups: Funders put Efficiency first" in html
    assert "a workshop on the divisive pairs" in html  # the facilitator's note
    assert "Getting the most care from every pound of public money." in html  # the outcomes
    assert 'role="img"' in html  # the inline SVG chart
    assert "Save the note" not in html and "read-only link" not in html.lower()
    names = _stakeholder_names(app, demo)
    assert len(names) == 60
    assert not [name for name in names if name in html]
    menu = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    assert ">Board</a>" in menu
    assert ">Facilitate</a>" not in menu and ">API tokens</a>" not in menu


def test_facilitators_find_their_summaries_on_the_board_page(client: FormClient, demo: int) -> None:
    login(client, FACILITATOR_EMAIL)
    index = client.get("/board/").get_data(as_text=True)
    assert f'href="/board/{demo}/"' in index and "Read the summary of round 1" in index
    menu = index[index.index('<nav aria-label="Main">') : index.index("</nav>")]
    for entry in ("Facilitate", "Board", "API tokens", "My consultations"):
        assert f">{entry}</a>" in menu


def test_an_open_round_has_no_summary_yet(client: FormClient, demo: int) -> None:
    login(client, BOARD_EMAIL)
    response = client.get(f"/board/{demo}/rounds/2")
    assert response.status_code == 409
    assert "Round 2 is still open" in response.get_data(as_text=True)
    assert client.get(f"/board/{demo}/rounds/2.pdf").status_code == 409
    assert client.get(f"/board/{demo}/rounds/9").status_code == 404


def test_no_closed_round_is_a_clear_conflict(app: Flask, client: FormClient) -> None:
    with app.app_context():
        consultation = make_consultation()
        make_member(consultation, Role.BOARD, email="b@example.org")
        cid = consultation.id
    login(client, "b@example.org", "pw")
    response = client.get(f"/board/{cid}/")
    assert response.status_code == 409
    assert "No round of this consultation has closed yet" in response.get_data(as_text=True)


def test_who_may_see_what(app: Flask, client: FormClient, demo: int) -> None:
    assert client.get(f"/board/{demo}/").status_code == 302  # anonymous: sign in first
    with app.app_context():
        other = make_consultation(facilitator_email="other@example.org")
        member = make_member(
            db.session.get(Consultation, demo), Role.STAKEHOLDER, "Staff", email="s@example.org"
        )
        assert member.id
        other_id = other.id
    login(client, BOARD_EMAIL)
    assert client.get(f"/board/{other_id}/").status_code == 403
    pages = [
        re.sub(r"<int:\w+>", str(demo), rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in {"facilitator", "stakeholder"}
        and "GET" in (rule.methods or ())
        and list(rule.arguments) in (["cid"], ["consultation_id"])
    ]
    assert len(pages) >= 5
    for url in pages:
        assert client.get(url).status_code == 403, url
    client.post("/logout", data={"csrf_token": client.csrf_token("/board/")})
    login(client, "s@example.org", "pw")
    assert client.get(f"/board/{demo}/").status_code == 403
    assert client.get(f"/board/{demo}/rounds/1.pdf").status_code == 403
    assert client.get("/board/999999/").status_code == 404


def test_facilitator_edits_the_note_escaped_with_line_breaks(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, FACILITATOR_EMAIL)
    url = f"/board/{demo}/rounds/1"
    assert "Save the note" in client.get(url).get_data(as_text=True)
    note = "Context first.\nNext steps: <script>alert(1)</script> & more."
    response = client.submit(f"{url}/note", {"note": note}, page=url)
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Context first.\nNext steps: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in html
    assert "<script>alert(1)" not in html
    with app.app_context():
        assert db.session.get(Consultation, demo).facilitator_note == note
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="summary.note"))
    assert client.post(f"{url}/note", data={"note": "no token"}).status_code == 400
    too_long = client.submit(f"{url}/note", {"note": "y" * 5001}, page=url)
    assert too_long.status_code == 400
    kept = too_long.get_data(as_text=True)
    assert "y" * 5001 in kept  # what was typed is not lost
    assert "5000 characters" in kept
    with app.app_context():
        assert db.session.get(Consultation, demo).facilitator_note == note


def test_board_member_cannot_edit_the_note_or_share(client: FormClient, demo: int) -> None:
    login(client, BOARD_EMAIL)
    url = f"/board/{demo}/rounds/1"
    token = client.csrf_token(url)
    assert client.post(f"{url}/note", data={"csrf_token": token, "note": "x"}).status_code == 403
    assert client.post(f"{url}/links", data={"csrf_token": token, "days": 7}).status_code == 403


def test_read_only_link_shows_the_summary_until_revoked(
    app: Flask, client: FormClient, demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, FACILITATOR_EMAIL)
    url = f"/board/{demo}/rounds/1"
    created = client.submit(f"{url}/links", {"days": 7}, page=url)
    assert created.status_code == 200
    created_html = created.get_data(as_text=True)
    token = SHARE_URL.search(created_html).group(1)
    assert 'data-copy="#share-url"' in created_html
    assert re.search(r"js/facilitator\.[0-9a-f]+\.js", created_html)
    with app.app_context():
        link = db.session.scalar(db.select(ShareLink))
        assert link.token_hash == hash_token(token) != token
        assert timedelta(days=6, hours=23) < link.expires_at - utcnow() <= timedelta(days=7)
        link_id = link.id
        expiry = link.expires_at.strftime("%-d %B %Y, %H:%M") + " UTC"
    assert f"until {expiry}" in created_html
    assert "Withdraw" in client.get(url).get_data(as_text=True)

    anonymous = app.test_client()
    shared = anonymous.get(f"/s/{token}")
    assert shared.status_code == 200
    html = shared.get_data(as_text=True)
    assert DEMO_TITLE in html and "Where they conflict" in html
    assert f"This link works until <strong>{expiry}</strong>" in html
    assert "Save the note" not in html
    assert shared.headers["Cache-Control"] == "no-store"
    assert shared.headers["Referrer-Policy"] == "no-referrer"
    assert not [name for name in _stakeholder_names(app, demo) if name in html]
    assert anonymous.get(f"/s/{token}x").status_code == 404
    printed: list[str] = []
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, **_: printed.append(html) or b"%PDF-1.7")
    shared_pdf = anonymous.get(f"/s/{token}.pdf")
    assert shared_pdf.status_code == 200 and shared_pdf.mimetype == "application/pdf"
    assert shared_pdf.headers["Cache-Control"] == "no-store"
    assert DEMO_TITLE in printed[0] and "Download PDF" not in printed[0]
    running = '@top-left { content: "' + DEMO_TITLE + ' · Consensus summary, round 1"'
    assert running in printed[0]
    assert anonymous.get("/board/").status_code == 302  # the link opens nothing else

    revoke = f"/board/{demo}/links/{link_id}/revoke"
    assert client.submit(revoke, page=url).status_code == 302
    gone = anonymous.get(f"/s/{token}")
    assert gone.status_code == 410
    assert "expired or was withdrawn" in gone.get_data(as_text=True)
    assert anonymous.get(f"/s/{token}.pdf").status_code == 410


def test_expired_link_no_longer_works(app: Flask, client: FormClient, demo: int) -> None:
    login(client, FACILITATOR_EMAIL)
    url = f"/board/{demo}/rounds/1"
    created = client.submit(f"{url}/links", {"days": 1}, page=url)
    token = SHARE_URL.search(created.get_data(as_text=True)).group(1)
    with app.app_context():
        link = db.session.scalar(db.select(ShareLink))
        link.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get(f"/s/{token}").status_code == 410


def test_share_link_lifetime_is_bounded(client: FormClient, demo: int) -> None:
    login(client, FACILITATOR_EMAIL)
    url = f"/board/{demo}/rounds/1"
    assert client.submit(f"{url}/links", {"days": 0}, page=url).status_code == 400
    too_long = client.submit(f"{url}/links", {"days": 91}, page=url)
    assert too_long.status_code == 400
    assert "between 1 and 90" in too_long.get_data(as_text=True)
    assert client.submit(f"/board/{demo}/rounds/2/links", {"days": 5}, page=url).status_code == 409


def test_facilitator_cannot_revoke_another_consultations_link(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, FACILITATOR_EMAIL)
    url = f"/board/{demo}/rounds/1"
    client.submit(f"{url}/links", {"days": 3}, page=url)
    with app.app_context():
        link_id = db.session.scalar(db.select(ShareLink.id))
        other = make_consultation(facilitator_email=FACILITATOR_EMAIL)
        other_id = other.id
    response = client.submit(f"/board/{other_id}/links/{link_id}/revoke", page=url)
    assert response.status_code == 404


def test_pdf_without_chromium_is_a_clear_503(
    client: FormClient, demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "chromium", lambda: None)
    login(client, BOARD_EMAIL)
    response = client.get(f"/board/{demo}/rounds/1.pdf")
    assert response.status_code == 503
    assert "PDFs need Chromium on the server" in response.get_data(as_text=True)


def test_the_pdf_document_is_self_contained(
    client: FormClient, demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed: list[str] = []
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, **_: printed.append(html) or b"%PDF-1.7")
    login(client, BOARD_EMAIL)
    response = client.get(f"/board/{demo}/rounds/1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    [html] = printed
    assert "default-src 'none'" in html  # nothing may be fetched while printing
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert '<link rel="stylesheet"' not in html and ".summary-head" in html
    assert 'font-family: system-ui, -apple-system, "Segoe UI"' in html  # CSS inlined verbatim
    assert "Where they conflict" in html and "<svg" in html


def test_facilitator_features_the_reasons_quoted_on_a_divided_pair(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, FACILITATOR_EMAIL)
    url = f"/board/{demo}/rounds/1"
    page = client.get(url).get_data(as_text=True)
    assert "Choose the reasons quoted here" in page
    pick = re.search(
        r'name="judgment" value="(\d+)" id="feature-\d+">\s*<label[^>]*>“Fairness has to come',
        page,
    )
    assert pick, "the reasons on Efficiency or Equity are offered"
    chosen = int(pick.group(1))
    fields = {"a": "Efficiency", "b": "Equity", "judgment": [chosen]}
    assert client.submit(f"{url}/reasons", fields, page=url).status_code == 302

    login(client, BOARD_EMAIL)
    board_view = client.get(url).get_data(as_text=True)
    divide = board_view.split("<h3>Efficiency or Equity?</h3>")[1].split("<h3>")[0]
    assert "“Fairness has to come first or trust is lost.”" in divide
    assert "chosen by the facilitator" in divide
    assert "The budget is fixed" not in divide  # the engine's picks give way
    assert "Choose the reasons quoted here" not in board_view
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="summary.reasons"))

    login(client, FACILITATOR_EMAIL)
    cleared = client.submit(f"{url}/reasons", {"a": "Efficiency", "b": "Equity"}, page=url)
    assert cleared.status_code == 302
    divide = client.get(url).get_data(as_text=True).split("<h3>Efficiency or Equity?</h3>")[1]
    assert "The budget is fixed" in divide.split("<h3>")[0]


def test_featuring_is_checked(client: FormClient, demo: int) -> None:
    login(client, FACILITATOR_EMAIL)
    url = f"/board/{demo}/rounds/1"
    wrong_pair = client.submit(
        f"{url}/reasons", {"a": "Efficiency", "b": "Probity", "judgment": [1]}, page=url
    )
    assert wrong_pair.status_code == 400
    assert "not a pair that divides the groups" in wrong_pair.get_data(as_text=True)
    stranger = client.submit(
        f"{url}/reasons", {"a": "Efficiency", "b": "Equity", "judgment": [10**9]}, page=url
    )
    assert stranger.status_code == 400
    junk = client.submit(
        f"{url}/reasons", {"a": "Efficiency", "b": "Equity", "judgment": ["x"]}, page=url
    )
    assert junk.status_code == 400
    login(client, BOARD_EMAIL)
    token = client.csrf_token("/board/")
    forbidden = client.post(
        f"{url}/reasons", data={"csrf_token": token, "a": "Efficiency", "b": "Equity"}
    )
    assert forbidden.status_code == 403


def _closed_consultation(rounds: int, small_group: bool) -> int:
    """Two groups of eight (and optionally a group of two) answering ``rounds`` closed rounds.

    Eight each, so each group's side on the pair is shown by the engine's test.
    """
    groups = ("Funders", "Service users", *(("Staff",) if small_group else ()))
    consultation = make_consultation(outcomes=("Efficiency", "Equity"), groups=groups, k=3)
    make_member(consultation, Role.BOARD, email="b@example.org")
    members = [
        (make_member(consultation, group=group, name=f"Hidden Name {group} {index}"), value)
        for group, size, value in (
            ("Funders", 8, 3.0),
            ("Service users", 8, 1 / 3),
            ("Staff", 2, 5.0),
        )
        if group in groups
        for index in range(size)
    ]
    for number in range(1, rounds + 1):
        round_ = (
            consultation.rounds[-1]
            if number == 1
            else Round(consultation=consultation, number=number)
        )
        db.session.add(round_)
        round_.closed_at = utcnow()
        db.session.commit()
        for member, value in members:
            add_judgments(member, round_, {("Efficiency", "Equity"): value if number == 1 else 2.0})
    return consultation.id


def test_a_small_group_is_withheld_and_the_page_says_so(app: Flask, client: FormClient) -> None:
    with app.app_context():
        cid = _closed_consultation(rounds=1, small_group=True)
    login(client, "b@example.org", "pw")
    html = client.get(f"/board/{cid}/").get_data(as_text=True)
    text = " ".join(html.split())
    assert (
        "Staff has fewer than 3 people who answered, so its answers are left out of every "
        "figure on this page" in text
    )
    assert "its 2 members" not in text  # how many answered in a small group is not told
    assert '<th scope="row">Staff</th>' not in html
    assert "Hidden Name" not in html


def test_consensus_across_closed_rounds(app: Flask, client: FormClient) -> None:
    with app.app_context():
        cid = _closed_consultation(rounds=2, small_group=False)
    login(client, "b@example.org", "pw")
    html = " ".join(client.get(f"/board/{cid}/").get_data(as_text=True).split())
    assert "Consensus summary · Round 2" in html
    assert "<h3>Across rounds</h3>" in html
    assert re.search(
        r"Consensus rose from \d+% \(\w[\w ]*\) in round 1 to 100% \(very high\) in round 2\.", html
    )
    round_one = client.get(f"/board/{cid}/rounds/1").get_data(as_text=True)
    assert "Across rounds" not in round_one
    assert "Efficiency against Equity divides the groups" in round_one
