"""Reading a consultation: the disagreement map, reasons, round comparison and exports."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, make_response, render_template, request

from .. import charts
from ..engine import Report, to_json
from ..engine.report import CONTESTED_NOTE, FLAG_NOTE, INTERVAL_NOTE
from ..models import Consultation, Job, Round
from ..pending import pending_page
from ..services import insight
from ..services.analysis_jobs import report_or_job
from ..services.consultations import WEIGHTING_LABELS
from ..services.jobs import JobFailed
from ..services.results import judgments_csv
from ..validation import query_int
from . import bp
from .setup import facilitated


def _round(consultation: Consultation) -> Round | None:
    """The round asked for with ``?round=N`` (400 if not a number, 404 if not there)."""
    number = query_int("round")
    round_ = insight.choose_round(consultation, number)
    if number is not None and round_ is None:
        abort(404, description=f"This consultation has no round {number}.")
    return round_


def _exclude() -> bool:
    return request.args.get("exclude_inconsistent") == "1"


def _report(round_: Round, *, exclude_inconsistent: bool = False) -> Report | None:
    """The round's report; while a job computes it, a page that looks again (202)."""
    try:
        found = report_or_job(round_, exclude_inconsistent=exclude_inconsistent)
    except JobFailed as error:
        abort(503, description=str(error))
    if isinstance(found, Job):
        title = f"Analysing round {round_.number}"
        abort(make_response(pending_page(title, found, request.full_path)))
    return found


def _answered(consultation: Consultation, *, drawn: bool = True) -> tuple[Round, Report]:
    """The round asked for and its report (as ``?exclude_inconsistent`` says), or 404.

    With ``drawn``, a report that leaves nobody to draw is refused with 409.
    """
    round_ = _round(consultation)
    report = _report(round_, exclude_inconsistent=_exclude()) if round_ else None
    if round_ is None or report is None:
        abort(404, description="Nobody has answered in this round yet.")
    if drawn and not insight.has_results(report):
        abort(409, description="Leaving out the inconsistent participants leaves nobody.")
    return round_, report


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _svg_download(chart: str, filename: str) -> Response:
    """A chart as a standalone SVG file."""
    return _download(
        f'<?xml version="1.0" encoding="UTF-8"?>\n{chart}\n', "image/svg+xml", filename
    )


@bp.get("/<int:cid>/map", endpoint="map")
def disagreement_map(cid: int) -> str:
    """The disagreement map of one round: conflicts, priorities, participants, consensus."""
    consultation = facilitated(cid)
    round_ = _round(consultation)
    exclude = _exclude()
    context: dict[str, Any] = {
        "consultation": consultation,
        "round": round_,
        "rounds": insight.rounds_with_judgments(consultation),
        "exclude": exclude,
        "glossary": insight.GLOSSARY,
    }
    original = _report(round_) if round_ else None
    if round_ is None or original is None:
        return render_template("facilitator/map.html", report=None, **context)
    report = _report(round_, exclude_inconsistent=True) if exclude else original
    if report is None or not insight.has_results(report):
        context["nobody_left"], report = True, original
    pairs = insight.conflict_order(report["pairs"])
    changes = insight.priority_changes(original, report) if report is not original else None
    return render_template(
        "facilitator/map.html",
        report=report,
        original=original,
        pairs=pairs,
        headlines=insight.conflict_sentences(pairs),
        flag_note=FLAG_NOTE,
        contested_note=CONTESTED_NOTE,
        interval_note=INTERVAL_NOTE,
        by_outcome=insight.by_outcome(report),
        groups=list(report["groups"]),
        charts=charts.map_charts(insight.map_data(report)),
        consensus=insight.consensus_rows(report),
        clusters=insight.cluster_table(report),
        inconsistent=insight.inconsistent_participants(
            original, insight.participant_labels(consultation)
        ),
        changes=changes,
        change_summary=insight.change_sentence(changes, len(report["method"]["excluded"]))
        if changes
        else None,
        outcome_ids={o.name: o.id for o in consultation.outcomes},
        **context,
    )


@bp.get("/<int:cid>/map/pairs/<int:first_id>-<int:second_id>", endpoint="pair")
def pair_reasons(cid: int, first_id: int, second_id: int) -> str:
    """The reasons stakeholders gave on one pair, by the side they took and by group."""
    consultation = facilitated(cid)
    round_ = _round(consultation)
    outcomes = insight.outcome_pair(consultation, first_id, second_id)
    if not outcomes or round_ is None:
        abort(404, description="These two outcomes are not a pair in this consultation.")
    first, second = outcomes
    report = _report(round_)
    return render_template(
        "facilitator/reasons.html",
        consultation=consultation,
        round=round_,
        first=first,
        second=second,
        pair=insight.find_pair(report, first.name, second.name) if report else None,
        reasons=insight.pair_reasons(round_, first, second),
        weighting=WEIGHTING_LABELS.get(report["method"]["weighting"]) if report else None,
        glossary=insight.GLOSSARY,
    )


@bp.get("/<int:cid>/map/<name>.svg", endpoint="map_chart")
def map_chart(cid: int, name: str) -> Response:
    """One chart of the disagreement map as an SVG file."""
    consultation = facilitated(cid)
    if name not in charts.MAP_CHARTS:
        abort(404, description=f"There is no chart called {name!r}.")
    round_, report = _answered(consultation)
    chart = charts.map_charts(insight.map_data(report), name)[name]
    return _svg_download(chart, f"consultation-{cid}-round-{round_.number}-{name}.svg")


@bp.get("/<int:cid>/rounds/compare", endpoint="compare")
def compare_rounds(cid: int) -> str:
    """How consensus and group priorities moved between rounds."""
    consultation = facilitated(cid)
    comparison = insight.round_comparison(consultation)
    return render_template(
        "facilitator/compare.html",
        consultation=consultation,
        comparison=comparison,
        chart=charts.consensus_chart(comparison) if comparison else None,
        glossary=insight.GLOSSARY,
    )


@bp.get("/<int:cid>/rounds/compare/consensus.svg", endpoint="compare_chart")
def compare_chart(cid: int) -> Response:
    """The round comparison chart as an SVG file."""
    comparison = insight.round_comparison(facilitated(cid))
    if comparison is None:
        abort(404, description="Rounds can be compared once two of them have answers.")
    chart = charts.consensus_chart(comparison)
    return _svg_download(chart, f"consultation-{cid}-consensus-by-round.svg")


@bp.get("/<int:cid>/export/judgments.csv", endpoint="export_judgments")
def export_judgments(cid: int) -> Response:
    """The round's judgments as CSV, in the format ``deliberate analyze`` reads."""
    round_ = _round(facilitated(cid))
    if round_ is None:
        abort(404, description="This consultation has no round yet.")
    return _download(
        judgments_csv(round_),
        "text/csv",
        f"consultation-{cid}-round-{round_.number}-judgments.csv",
    )


@bp.get("/<int:cid>/export/results.json", endpoint="export_results")
def export_results(cid: int) -> Response:
    """The round's full analysis as JSON, exactly as ``deliberate analyze`` prints it."""
    round_, report = _answered(facilitated(cid), drawn=False)
    return _download(
        to_json(report),
        "application/json",
        f"consultation-{cid}-round-{round_.number}-results.json",
    )
