"""Options on the disagreement map, in the board summary and its PDF, for the demo."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from pypdf import PdfReader

from deliberate.demo_options import ASSESSORS
from deliberate.extensions import db
from deliberate.models import Consultation, StakeholderGroup
from deliberate.services import pdf
from tests.conftest import FormClient, login, unavailable


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_the_map_shows_options_by_group_and_the_assessors_spread(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, "facilitator@example.org")
    page = text_of(client.get(f"/facilitate/{demo}/map?round=1").get_data(as_text=True))
    section = page[page.index("Options Each option") :]
    assert (
        "The groups prefer different options: Funders: Hub and spoke ; "
        "Service users: Keep today's clinics" in section
    )
    assert (
        "Where the assessors disagree" in section and "The assessors disagree most about" in section
    )
    # Facilitators see which assessor answered inconsistently; the demo has two such cases.
    assert "Inconsistent appraisals" in section and "GP clinical lead on Efficiency" in section


def test_the_board_sees_the_best_option_how_sure_and_value_for_money_but_no_assessor(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, "board@example.org")
    html = client.get(f"/board/{demo}/rounds/1").get_data(as_text=True)
    page = text_of(html)
    start = page.index("Which option delivers the most")
    section = page[start : page.index("Method", start)]
    assert "Overall, Hub and spoke delivers the most, probably: it comes out best in" in section
    assert "Weighed by Service users: Keep today's clinics" in section
    assert "The choice changes if 4% of the voice moved between groups" in section
    assert (
        "Not beaten on both value and cost: Digital first with outreach, Hub and spoke." in section
    )
    assert "<svg" in html[html.index('id="options"') :] and "Value against annual cost" in html
    for name in ASSESSORS:
        assert name not in page
    assert "CR" not in section and "spread" not in section.lower()


def test_a_small_group_is_withheld_from_the_options_too(
    app: Flask, client: FormClient, demo: int
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        consultation.anonymity_k = 21  # Staff (18) and Funders (20) fall below it
        db.session.commit()
    login(client, "board@example.org")
    page = text_of(client.get(f"/board/{demo}/rounds/1").get_data(as_text=True))
    start = page.index("Which option delivers the most")
    section = page[start : page.index("Method", start)]
    assert "Weighed by Service users" in section
    assert "Weighed by Staff" not in section and "Weighed by Funders" not in section
    assert "The choice changes if" not in section  # the sweep could reveal a small group


def test_the_pdf_has_the_options_section(app: Flask, client: FormClient, demo: int) -> None:
    if pdf.chromium() is None:
        unavailable("needs Chromium (apt-get install chromium)", "DELIBERATE_REQUIRE_BROWSER")
    login(client, "board@example.org")
    response = client.get(f"/board/{demo}/rounds/1.pdf")
    assert response.status_code == 200, response.status_code
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Which option delivers the most" in text
    assert "Hub and spoke" in text and "Value against annual cost" in text
    for name in ASSESSORS:
        assert name not in text


@pytest.mark.parametrize("mode", ["pairwise", "ratings"])
def test_without_a_complete_appraisal_the_board_is_told_why(
    app: Flask, client: FormClient, mode: str
) -> None:
    from deliberate.models import AppraisalMode
    from deliberate.services import options as service
    from tests.factories import add_judgments, make_consultation, make_member

    with app.app_context():
        consultation = make_consultation(k=1)
        for name in ("A", "B"):
            service.add_option(consultation, None, name)
        service.open_appraisal(consultation, None, AppraisalMode(mode))
        round_ = consultation.rounds[0]
        member = make_member(consultation)
        add_judgments(
            member, round_, {("Efficiency", "Equity"): 2.0, ("Equity", "Prevention"): 3.0}
        )
        round_.closed_at = round_.opened_at
        assert db.session.scalar(db.select(StakeholderGroup).limit(1)) is not None
        db.session.commit()
        view = service.options_view(service.options_report(round_), consultation)
        assert view == {"pending": "No assessor has answered yet."}
