"""Options and their appraisal: set-up, assessors, their judgments, and the results.

Facilitators add options (2–20) until an appraisal opens; assessors, invited like
stakeholders, appraise every option against every outcome (pairwise or by rating) while
it is open. Every write validates first, records the change in the audit log where it is
a facilitator's, and commits; bad input raises :class:`SetupError` and saves nothing.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from ..engine import PublicView, Report
from ..engine.aggregate import from_pairs
from ..engine.appraisal_csv import PAIRWISE_COLUMNS, RATING_COLUMNS
from ..engine.consistency import cr_threshold, most_inconsistent
from ..engine.judgments import SCALE_MAX, SCALE_MIN, spreadsheet_safe
from ..engine.options import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    RATING_MAX,
    RATING_MIN,
    Appraisal,
    AppraisalError,
    individual_local,
)
from ..extensions import db
from ..models import (
    AppraisalMode,
    Consultation,
    Invitation,
    Membership,
    Option,
    OptionAppraisal,
    OptionJudgment,
    OptionRating,
    Outcome,
    Role,
    Round,
    Synthesis,
    User,
    utcnow,
)
from .audit import record
from .consultations import MAX_NAME, MAX_TEXT, SetupError, checked_text
from .errors import transactional
from .invitations import create_invitation
from .links import public_url
from .results import round_report

MAX_UNIT = 40
#: Anchored labels of the 0–10 rating scale.
RATING_ANCHORS = {
    0: "does nothing for this outcome",
    2: "a little",
    5: "a fair amount",
    8: "a great deal",
    10: "the most we could hope for",
}


def options_of(consultation: Consultation) -> list[Option]:
    """The consultation's options in display order."""
    return list(
        db.session.scalars(
            db.select(Option)
            .filter_by(consultation_id=consultation.id)
            .order_by(Option.position, Option.id)
        )
    )


def appraisal_of(consultation: Consultation) -> OptionAppraisal | None:
    """The consultation's appraisal, once opened."""
    return db.session.scalar(db.select(OptionAppraisal).filter_by(consultation_id=consultation.id))


def _unlocked(consultation: Consultation) -> None:
    if appraisal_of(consultation) is not None:
        raise SetupError(
            "The appraisal of the options has opened: options can no longer be added or "
            "removed, so that every assessor appraises the same ones.",
            409,
        )


@transactional
def add_option(
    consultation: Consultation,
    user: User | None,
    name: str,
    description: str = "",
    annual_cost: float | None = None,
    cost_unit: str = "",
) -> Option:
    """Add an option (before the appraisal opens; at most 20; names unique)."""
    _unlocked(consultation)
    name = checked_text(name, "option name", MAX_NAME, required=True)
    description = checked_text(description, "description", MAX_TEXT)
    cost_unit = checked_text(cost_unit, "cost unit", MAX_UNIT)
    if annual_cost is not None and not (math.isfinite(annual_cost) and annual_cost >= 0):
        raise SetupError("The annual cost must be a number of at least 0 (blank if unknown).")
    existing = options_of(consultation)
    if len(existing) >= MAX_OPTIONS:
        raise SetupError(f"A consultation can have at most {MAX_OPTIONS} options.", 409)
    if any(o.name.casefold() == name.casefold() for o in existing):
        raise SetupError(f"There is already an option called “{name}”: names must be unique.")
    option = Option(
        consultation_id=consultation.id,
        name=name,
        description=description,
        annual_cost=annual_cost,
        cost_unit=cost_unit,
        position=max((o.position for o in existing), default=-1) + 1,
    )
    db.session.add(option)
    record(consultation, user, "option.added", name)
    return option


@transactional
def remove_option(consultation: Consultation, user: User | None, option: Option) -> None:
    """Remove an option (before the appraisal opens)."""
    _unlocked(consultation)
    db.session.delete(option)
    record(consultation, user, "option.removed", option.name)


@transactional
def open_appraisal(
    consultation: Consultation,
    user: User | None,
    mode: AppraisalMode,
    synthesis: Synthesis = Synthesis.DISTRIBUTIVE,
) -> OptionAppraisal:
    """Open the appraisal: the options are fixed and assessors can start."""
    if appraisal_of(consultation) is not None:
        raise SetupError("The appraisal is already open.", 409)
    count = len(options_of(consultation))
    if count < MIN_OPTIONS:
        raise SetupError(f"Add at least {MIN_OPTIONS} options before opening the appraisal.", 409)
    if len(consultation.outcomes) < 2:
        raise SetupError("Add at least 2 outcomes before opening the appraisal.", 409)
    appraisal = OptionAppraisal(consultation_id=consultation.id, mode=mode, synthesis=synthesis)
    db.session.add(appraisal)
    record(consultation, user, "appraisal.opened", f"{mode.value}, {count} options")
    return appraisal


@transactional
def close_appraisal(consultation: Consultation, user: User | None) -> OptionAppraisal:
    """Close the appraisal: assessors' answers are frozen."""
    appraisal = appraisal_of(consultation)
    if appraisal is None or not appraisal.is_open:
        raise SetupError("There is no open appraisal to close.", 409)
    appraisal.closed_at = utcnow()
    record(consultation, user, "appraisal.closed")
    return appraisal


@transactional
def set_synthesis(consultation: Consultation, user: User | None, synthesis: Synthesis) -> None:
    """Choose how options' local priorities are normalised (any time after opening)."""
    appraisal = appraisal_of(consultation)
    if appraisal is None:
        raise SetupError("Open the appraisal first.", 409)
    appraisal.synthesis = synthesis
    record(consultation, user, "appraisal.synthesis", synthesis.value)


# --------------------------------------------------------------------------- assessors


def assessor_url(token: str) -> str:
    """The link an assessor opens to join."""
    return public_url("assessor.join", token=token)


@transactional
def invite_assessor(
    consultation: Consultation, user: User | None, name: str, email: str | None = None
) -> tuple[Invitation, str]:
    """Invite one assessor; returns the invitation and its token (shown once)."""
    name = checked_text(name, "assessor's name", MAX_NAME, required=True)
    invitation, token = create_invitation(consultation, Role.ASSESSOR, name=name, email=email)
    record(consultation, user, "assessor.invited", name)
    return invitation, token


def assessors_of(consultation: Consultation) -> list[Membership]:
    """The assessors who have joined, in joining order."""
    return list(
        db.session.scalars(
            db.select(Membership)
            .filter_by(consultation_id=consultation.id, role=Role.ASSESSOR)
            .order_by(Membership.id)
        )
    )


def pending_assessors(consultation: Consultation) -> list[Invitation]:
    """Assessor invitations not yet used, revoked or expired."""
    return list(
        db.session.scalars(
            db.select(Invitation)
            .filter_by(consultation_id=consultation.id, role=Role.ASSESSOR, membership_id=None)
            .where(Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
            .order_by(Invitation.id)
        )
    )


# --------------------------------------------------------------------------- appraising


def _open_for(membership: Membership) -> OptionAppraisal:
    appraisal = appraisal_of(membership.consultation)
    if appraisal is None or not appraisal.is_open:
        raise SetupError("The appraisal is not open: answers cannot be changed now.", 409)
    return appraisal


_OTHER_MODE = {
    AppraisalMode.PAIRWISE: "This appraisal asks for ratings, not comparisons.",
    AppraisalMode.RATINGS: "This appraisal asks for comparisons, not ratings.",
}


def _appraising(membership: Membership, mode: AppraisalMode) -> set[int]:
    """The ids of the options ``membership`` may answer on, in an open appraisal by ``mode``."""
    if _open_for(membership).mode is not mode:
        raise SetupError(_OTHER_MODE[mode], 409)
    return {o.id for o in options_of(membership.consultation)}


def _store(
    model: type[OptionJudgment] | type[OptionRating],
    key: tuple[str, ...],
    membership: Membership,
    outcome: Outcome,
    answers: Sequence[Mapping[str, Any]],
) -> None:
    """Write an assessor's answers on one outcome, replacing the ones with the same ``key``."""
    existing = {
        tuple(getattr(row, name) for name in key): row
        for row in db.session.scalars(
            db.select(model).filter_by(membership_id=membership.id, outcome_id=outcome.id)
        )
    }
    for answer in answers:
        found = existing.get(tuple(answer[name] for name in key))
        if found is None:
            db.session.add(model(membership_id=membership.id, outcome_id=outcome.id, **answer))
        else:
            for name, value in answer.items():
                setattr(found, name, value)


@transactional
def save_pairwise(
    membership: Membership, outcome: Outcome, values: Mapping[tuple[int, int], float]
) -> int:
    """Save an assessor's judgments on one outcome: ``{(option_a, option_b): value}``.

    Each value says how much better option_a does than option_b (1/9 … 9). Returns the
    number saved.
    """
    ids = _appraising(membership, AppraisalMode.PAIRWISE)
    answers = []
    for (a, b), value in values.items():
        if a not in ids or b not in ids or a == b:
            raise SetupError("Compare two different options of this consultation.")
        if not (math.isfinite(value) and SCALE_MIN - 1e-9 <= value <= SCALE_MAX + 1e-9):
            raise SetupError("Each comparison must be on Saaty's scale, from 1/9 to 9.")
        (first, second), stored = ((a, b), value) if a < b else ((b, a), 1 / value)
        answers.append({"option_a_id": first, "option_b_id": second, "value": stored})
    _store(OptionJudgment, ("option_a_id", "option_b_id"), membership, outcome, answers)
    return len(values)


@transactional
def save_ratings(membership: Membership, outcome: Outcome, scores: Mapping[int, float]) -> int:
    """Save an assessor's 0–10 ratings of options on one outcome: ``{option_id: score}``."""
    ids = _appraising(membership, AppraisalMode.RATINGS)
    for option_id, score in scores.items():
        if option_id not in ids:
            raise SetupError("Rate the options of this consultation.")
        if not (math.isfinite(score) and RATING_MIN <= score <= RATING_MAX):
            raise SetupError("Each rating must be a number from 0 to 10.")
    answers = [{"option_id": option_id, "score": score} for option_id, score in scores.items()]
    _store(OptionRating, ("option_id",), membership, outcome, answers)
    return len(scores)


def answers(membership: Membership, outcome: Outcome) -> dict[Any, float]:
    """An assessor's saved answers on one outcome: ``{(a, b): value}`` or ``{option: score}``."""
    if (
        db.session.scalar(
            db.select(OptionAppraisal.mode).filter_by(consultation_id=membership.consultation_id)
        )
        is AppraisalMode.RATINGS
    ):
        return {
            r.option_id: r.score
            for r in db.session.scalars(
                db.select(OptionRating).filter_by(
                    membership_id=membership.id, outcome_id=outcome.id
                )
            )
        }
    return {
        (j.option_a_id, j.option_b_id): j.value
        for j in db.session.scalars(
            db.select(OptionJudgment).filter_by(membership_id=membership.id, outcome_id=outcome.id)
        )
    }


def _records(consultation: Consultation, membership_id: int | None = None) -> list[tuple]:
    """Stored appraisal rows in the CSV column order of the appraisal's mode."""
    mode = db.session.scalar(
        db.select(OptionAppraisal.mode).filter_by(consultation_id=consultation.id)
    )
    if mode is None:
        return []
    names = {o.id: o.name for o in options_of(consultation)}
    outcomes = {o.id: o.name for o in consultation.outcomes}
    who = (
        db.select(Membership.id)
        .filter_by(consultation_id=consultation.id, role=Role.ASSESSOR)
        .scalar_subquery()
    )
    if mode is AppraisalMode.RATINGS:
        query = db.select(OptionRating).where(OptionRating.membership_id.in_(who))
        if membership_id is not None:
            query = query.where(OptionRating.membership_id == membership_id)
        return [
            (str(r.membership_id), names[r.option_id], outcomes[r.outcome_id], r.score)
            for r in db.session.scalars(query.order_by(OptionRating.id))
        ]
    query = db.select(OptionJudgment).where(OptionJudgment.membership_id.in_(who))
    if membership_id is not None:
        query = query.where(OptionJudgment.membership_id == membership_id)
    return [
        (
            str(j.membership_id),
            outcomes[j.outcome_id],
            names[j.option_a_id],
            names[j.option_b_id],
            j.value,
        )
        for j in db.session.scalars(query.order_by(OptionJudgment.id))
    ]


def engine_appraisal(
    consultation: Consultation, membership_id: int | None = None
) -> Appraisal | None:
    """The stored appraisal as the engine reads it (assessors: membership ids as text)."""
    rows = _records(consultation, membership_id)
    if not rows:
        return None
    options = [o.name for o in options_of(consultation)]
    outcomes = [o.name for o in consultation.outcomes]
    numbered = enumerate(rows, start=1)
    if len(rows[0]) == len(RATING_COLUMNS):
        return Appraisal.from_ratings(numbered, options=options, outcomes=outcomes)
    return Appraisal.from_pairwise(
        numbered,
        lambda raw, line: float(raw),  # type: ignore[arg-type]
        options=options,
        outcomes=outcomes,
    )


def appraisal_csv(consultation: Consultation) -> str:
    """The appraisal in the CSV format ``deliberate analyze --options`` reads."""
    rows = _records(consultation)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if rows:
        writer.writerow(RATING_COLUMNS if len(rows[0]) == len(RATING_COLUMNS) else PAIRWISE_COLUMNS)
    for row in rows:
        writer.writerow([*map(spreadsheet_safe, row[:-1]), repr(float(row[-1]))])
    return buffer.getvalue()


def outcome_feedback(membership: Membership, outcome: Outcome) -> dict[str, Any] | None:
    """An assessor's consistency on one outcome (pairwise), for live feedback.

    None before a connected set of comparisons; otherwise ``cr``, ``threshold``,
    ``consistent`` and, when inconsistent, the comparison that fits the rest least with
    the value that would fit (``a``, ``b``, ``value``, ``suggested``).
    """
    appraisal = engine_appraisal(membership.consultation, membership.id)
    if appraisal is None or appraisal.mode != AppraisalMode.PAIRWISE.value:
        return None
    k = appraisal.outcomes.index(outcome.name)
    m = appraisal.m
    local, cr = individual_local(appraisal)
    if not np.all(np.isfinite(local[0, k])):
        return None
    logs, mask = from_pairs(appraisal.values[:, k], appraisal.mask[:, k], m)
    threshold = cr_threshold(m)
    value = float(cr[0, k])
    result: dict[str, Any] = {"cr": value, "threshold": threshold, "consistent": value <= threshold}
    i, j, _, suggested = most_inconsistent(logs, mask, local[:, k])
    if not result["consistent"] and i[0] >= 0:
        result.update(
            a=appraisal.options[i[0]],
            b=appraisal.options[j[0]],
            value=float(np.exp(logs[0, i[0], j[0]])),
            suggested=float(suggested[0]),
        )
    return result


def options_report(round_: Round, **overrides: Any) -> Report | None:
    """The round's report with the options block when the appraisal can be synthesised.

    While the assessors' answers do not yet cover every option on every outcome, the
    report has no ``options`` and says why in ``options_pending``.
    """
    consultation = round_.consultation
    appraisal_row = appraisal_of(consultation)
    appraisal = engine_appraisal(consultation) if appraisal_row else None
    if appraisal_row is None or appraisal is None:
        return round_report(round_, **overrides)
    costs = {o.name: o.annual_cost for o in options_of(consultation) if o.annual_cost is not None}
    try:
        return round_report(
            round_,
            appraisal=appraisal,
            synthesis=appraisal_row.synthesis.value,
            option_costs=costs or None,
            **overrides,
        )
    except AppraisalError as error:
        report = round_report(round_, **overrides)
        return None if report is None else {**report, "options_pending": error.message}


# --------------------------------------------------------------------------- reading


def how_sure(probability: float | None) -> str:
    """The chance of being best in words."""
    if probability is None:
        return "without a measure of uncertainty"
    if probability >= 0.95:
        return "almost certainly"
    if probability >= 0.75:
        return "probably"
    return "only narrowly: another option is best in many resamples"


def money(x: float) -> str:
    """An amount in short form: 4.2m, 350k, 90."""
    if x >= 1e6:
        return f"{x / 1e6:.1f}".rstrip("0").rstrip(".") + "m"
    if x >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}"


def options_view(
    report: Report | PublicView | None,
    consultation: Consultation,
    *,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """What the map and the board summary show about the options.

    Parameters
    ----------
    report : the round's report (facilitators) or its public view (boards), with
        ``options`` when the appraisal could be synthesised
    consultation : for the options' costs and units
    labels : assessor ids to names; given only for facilitators, who alone see
        individual assessors' consistency

    Returns
    -------
    dict or None
        None when the consultation has no appraisal; ``pending`` holds the reason when the
        appraisal does not yet cover every option on every outcome.
    """
    if report is None or "withheld" in report or appraisal_of(consultation) is None:
        return None
    block = report.get("options")
    if block is None:
        return {"pending": report.get("options_pending", "No assessor has answered yet.")}
    stored = {o.name: o for o in options_of(consultation)}
    overall, groups = block["overall"], block["groups"]
    probability = overall.get("best_probability") or {}
    rows: list[dict[str, Any]] = []
    for name in block["names"]:
        option = stored.get(name)
        cost = block["costs"].get(name)
        value = overall["value"][name]
        rows.append(
            {
                "name": name,
                "value": value,
                "interval": (overall.get("intervals") or {}).get(name),
                "best_probability": probability.get(name),
                "groups": {g: b["value"][name] for g, b in groups.items()},
                "cost": cost,
                "unit": option.cost_unit if option else "",
                "cost_text": None
                if cost is None
                else f"{money(cost)} {option.cost_unit if option else ''}".strip(),
                "per_million": None if not cost or value is None else value * 1e6 / cost,
                "on_frontier": name in block["frontier"],
            }
        )
    best = overall["best"]
    best_probability = probability.get(best) if best is not None else None
    group_best = {g: b["best"] for g, b in groups.items()}
    sensitivity = block["sensitivity"]
    flip = sensitivity.get("flip")  # none when withheld
    units = {r["unit"] for r in rows if r["cost"] is not None}
    view: dict[str, Any] = {
        "pending": None,
        "synthesis": block["synthesis"],
        "mode": block["mode"],
        "rows": rows,
        "groups": list(groups),
        "best": best,
        "best_probability": best_probability,
        "sure": how_sure(best_probability),
        "group_best": group_best,
        "groups_differ": len(set(group_best.values())) > 1,
        "flip": flip,
        "other_synthesis": block["other_synthesis"],
        "frontier": block["frontier"],
        "cost_value": {
            "values": {name: v for name, v in overall["value"].items() if v is not None},
            "costs": {r["name"]: r["cost"] for r in rows},
            "frontier": block["frontier"],
            "unit": units.pop() if len(units) == 1 else "",
        },
        "assessors": block["assessors"]["count"],
        "spread": block["assessors"]["spread"],
        "spread_unit": block["assessors"]["spread_unit"],
        "most_disagreed": block["assessors"]["most_disagreed"],
        "inconsistent": [],
    }
    if labels is not None:
        for entry in block["assessors"].get("individual", []):
            for outcome, cr in (entry["cr"] or {}).items():
                if cr is not None and cr > cr_threshold(len(block["names"])) + 1e-12:
                    name = labels.get(entry["assessor"], entry["assessor"])
                    view["inconsistent"].append((name, outcome, cr))
    return view


def assessor_labels(consultation: Consultation) -> dict[str, str]:
    """Assessors' membership ids (as the engine names them) to their display names."""
    return {str(m.id): m.user.display_name for m in assessors_of(consultation)}


# --------------------------------------------------------------------------- moving data


def export_options(consultation: Consultation, members: Mapping[int, str]) -> dict[str, Any]:
    """The options, the appraisal and every assessor's answer, for a consultation export.

    ``members`` maps membership ids to the export's person keys.
    """
    options = options_of(consultation)
    names = {o.id: o.name for o in options}
    outcomes = {o.id: o.name for o in consultation.outcomes}
    appraisal = appraisal_of(consultation)
    who = list(members)
    judgments = db.session.scalars(
        db.select(OptionJudgment)
        .where(OptionJudgment.membership_id.in_(who))
        .order_by(OptionJudgment.id)
    )
    ratings = db.session.scalars(
        db.select(OptionRating).where(OptionRating.membership_id.in_(who)).order_by(OptionRating.id)
    )
    return {
        "options": [o.fields() for o in options],
        "appraisal": None
        if appraisal is None
        else {
            "mode": appraisal.mode.value,
            "synthesis": appraisal.synthesis.value,
            "opened_at": appraisal.opened_at.isoformat(),
            "closed_at": appraisal.closed_at.isoformat() if appraisal.closed_at else None,
        },
        "option_judgments": [
            {
                "person": members[j.membership_id],
                "outcome": outcomes[j.outcome_id],
                "option_a": names[j.option_a_id],
                "option_b": names[j.option_b_id],
                "value": j.value,
                "updated_at": j.updated_at.isoformat(),
            }
            for j in judgments
        ],
        "option_ratings": [
            {
                "person": members[r.membership_id],
                "outcome": outcomes[r.outcome_id],
                "option": names[r.option_id],
                "score": r.score,
                "updated_at": r.updated_at.isoformat(),
            }
            for r in ratings
        ],
    }


def import_options(
    document: Mapping[str, Any],
    consultation: Consultation,
    outcomes: Mapping[str, Outcome],
    members: Mapping[str, Membership],
    when: Callable[[str | None], datetime | None],
) -> None:
    """Add an export's options, appraisal and assessors' answers to the session.

    Exports made before options existed have none of these keys and import unchanged;
    ``when`` parses the export's timestamps.
    Raises ``KeyError`` or ``ValueError`` on a document that names what it does not define.
    """
    options = {}
    for item in document.get("options", []):
        options[item["name"]] = Option.copied(consultation, item)
        db.session.add(options[item["name"]])
    appraisal = document.get("appraisal")
    if appraisal is not None:
        db.session.add(
            OptionAppraisal(
                consultation=consultation,
                mode=AppraisalMode(appraisal["mode"]),
                synthesis=Synthesis(appraisal["synthesis"]),
                opened_at=when(appraisal["opened_at"]),
                closed_at=when(appraisal["closed_at"]),
            )
        )
    db.session.flush()
    for item in document.get("option_judgments", []):
        first, second = options[item["option_a"]], options[item["option_b"]]
        value = float(item["value"])
        if first.id > second.id:
            first, second, value = second, first, 1.0 / value
        db.session.add(
            OptionJudgment(
                membership_id=members[item["person"]].id,
                outcome_id=outcomes[item["outcome"]].id,
                option_a_id=first.id,
                option_b_id=second.id,
                value=value,
                updated_at=when(item["updated_at"]),
            )
        )
    for item in document.get("option_ratings", []):
        db.session.add(
            OptionRating(
                membership_id=members[item["person"]].id,
                outcome_id=outcomes[item["outcome"]].id,
                option_id=options[item["option"]].id,
                score=float(item["score"]),
                updated_at=when(item["updated_at"]),
            )
        )
