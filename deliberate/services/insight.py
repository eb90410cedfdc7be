"""What a facilitator reads: the disagreement map, a pair's reasons, rounds compared.

Everything here is built from the cached engine report of a round
(:func:`deliberate.services.results.round_report`) plus, for reasons, the judgments
themselves. Nothing returned names or numbers a person: participants appear by group,
by cluster, or by an anonymous label.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from .. import charts
from ..engine.consensus import clr
from ..engine.report import conflict_sentence
from ..extensions import db
from ..models import Consultation, Judgment, Membership, Outcome, Role, Round, StakeholderGroup
from .results import round_report

#: Verbal bands of Kendall's W (Schmidt 1997): upper bound (exclusive) → words.
W_BANDS = ((0.1, "very weak"), (0.3, "weak"), (0.5, "moderate"), (0.7, "strong"))
#: Bands of S* drawn as guides on the round comparison chart (docs/METHODS.md §5).
S_BANDS = ((0.5, "very low"), (0.625, "low"), (0.75, "moderate"), (0.875, "high"))
#: A change in S* smaller than this is "held steady".
STEADY = 0.02
CHARTS = ("conflict", "priorities", "participants")


def agreement_band(w: float | None) -> str | None:
    """Schmidt's (1997) verbal band of Kendall's W."""
    if w is None:
        return None
    return next((name for bound, name in W_BANDS if w < bound), "very strong")


def rounds_with_judgments(consultation: Consultation) -> list[Round]:
    """The consultation's rounds that have at least one judgment, oldest first."""
    answered = db.select(Judgment.id).where(Judgment.round_id == Round.id).exists()
    return list(
        db.session.scalars(
            db.select(Round)
            .filter(Round.consultation_id == consultation.id, answered)
            .order_by(Round.number)
        )
    )


def choose_round(consultation: Consultation, number: int | None) -> Round | None:
    """Round ``number``, or by default the latest round with judgments (else the latest).

    Returns None when the consultation has no such round (or no round at all).
    """
    if number is not None:
        return next((r for r in consultation.rounds if r.number == number), None)
    answered = rounds_with_judgments(consultation)
    return answered[-1] if answered else consultation.current_round


def has_results(report: Mapping[str, Any]) -> bool:
    """False when a report has nobody left to aggregate (e.g. everyone was excluded)."""
    return report["overall"]["size"] > 0 and None not in report["overall"]["weights"].values()


def conflict_order(pairs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Pairs by conflict between groups (the engine's ``conflict_score``), most first."""
    return sorted(
        pairs, key=lambda p: (-p["conflict_score"], -(p["polarisation"] or 0.0), p["a"], p["b"])
    )


def conflict_sentences(pairs: Sequence[Mapping[str, Any]], limit: int = 3) -> list[str]:
    """Plain words for the first ``limit`` pairs flagged as conflicts (pairs in map order).

    The engine's wording (:func:`deliberate.engine.report.conflict_sentence`), e.g.
    "Efficiency vs Equity: Funders (4.1×) lean to Efficiency; Service users (3.5×) lean to
    Equity (conflict between groups, adjusted p = 0.002)." Only groups the test shows on a
    side are named.
    """
    return [conflict_sentence(p) for p in pairs if p.get("conflict_between_groups")][:limit]


def participant_labels(consultation: Consultation) -> dict[int, str]:
    """An anonymous, stable label for each stakeholder ("Participant 7"), by joining order."""
    ids = db.session.scalars(
        db.select(Membership.id)
        .filter_by(consultation_id=consultation.id, role=Role.STAKEHOLDER)
        .order_by(Membership.id)
    )
    return {membership_id: f"Participant {n}" for n, membership_id in enumerate(ids, 1)}


def inconsistent_participants(
    report: Mapping[str, Any], labels: Mapping[int, str]
) -> list[dict[str, Any]]:
    """Participants above the consistency threshold: label, group and CR, worst first."""
    rows = [
        {"label": labels.get(int(p["id"]), "Participant"), "group": p["group"], "cr": p["cr"]}
        for p in report["participants"]
        if not p["consistent"]
    ]
    return sorted(rows, key=lambda r: -(r["cr"] or 0.0))


def consensus_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """S*, Kendall's W and their bands for everyone and for each group, with warnings."""
    blocks = [("Everyone", report["overall"]), *report["groups"].items()]
    return [
        {
            "name": name,
            "size": block["size"],
            "consensus": block["consensus"],
            "band": block["consensus_band"],
            "kendall_w": block["kendall_w"],
            "w_band": agreement_band(block["kendall_w"]),
            "kendall_p": block["kendall_p"],
            "warnings": block["warnings"],
        }
        for name, block in blocks
    ]


def cluster_labels(report: Mapping[str, Any]) -> dict[int, str]:
    """A label per opinion cluster: its number, size and the two outcomes it puts first."""
    labels = {}
    for profile in (report.get("clusters") or {}).get("profiles", []):
        top = sorted(profile["weights"], key=lambda o: -profile["weights"][o])[:2]
        labels[profile["cluster"]] = (
            f"Cluster {profile['cluster'] + 1} ({profile['size']}): {' and '.join(top)} first"
        )
    return labels


def cluster_table(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each opinion cluster's size, leading outcomes and make-up by declared group."""
    labels = cluster_labels(report)
    return [
        {"label": labels[p["cluster"]], "size": p["size"], "groups": p.get("groups") or {}}
        for p in (report.get("clusters") or {}).get("profiles", [])
    ]


def map_points(report: Mapping[str, Any]) -> list[tuple[float, float, str, int]]:
    """(x, y, group, cluster) per participant, sorted by position so order reveals nobody."""
    clusters = report.get("clusters") or {}
    points = clusters.get("points") or {}
    cluster_of = clusters.get("labels") or {}
    group_of = {str(p["id"]): p["group"] for p in report["participants"]}
    return sorted(
        (float(x), float(y), group_of[key], int(cluster_of.get(key, 0)))
        for key, (x, y) in points.items()
    )


def by_outcome(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The report's per-outcome entries, highest overall priority first."""
    return sorted(report["by_outcome"], key=lambda item: -item["overall"]["weight"])


def map_charts(report: Mapping[str, Any], name: str | None = None) -> dict[str, Markup]:
    """The disagreement map's charts as SVG, by name (all of :data:`CHARTS`, or one)."""
    groups = list(report["groups"])
    weighting = report["method"]["weighting"]
    builders = {
        "conflict": lambda: charts.conflict_heatmap(
            conflict_order(report["pairs"]),
            groups,
            title="Where the groups disagree: pairs of outcomes by conflict between groups",
        ),
        "priorities": lambda: charts.priority_intervals(
            by_outcome(report),
            groups,
            report["overall"]["by_weighting"] or {weighting: report["overall"]["weights"]},
            weighting,
            title="Each group's priorities with 95% intervals, and the overall priority",
        ),
        "participants": lambda: charts.participant_map(
            map_points(report),
            groups,
            cluster_labels(report),
            title="Map of participants by their priorities, with opinion clusters outlined",
        ),
    }
    return {key: build() for key, build in builders.items() if name in (None, key)}


def priority_changes(
    original: Mapping[str, Any], revised: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Per outcome, overall and group priorities before and after a change of analysis."""
    blocks = [("Everyone", original["overall"], revised["overall"])] + [
        (name, block, revised["groups"].get(name)) for name, block in original["groups"].items()
    ]
    rows = []
    for outcome in original["outcomes"]:
        cells = []
        for name, before, after in blocks:
            old = before["weights"][outcome]
            new = after["weights"][outcome] if after and after["size"] else None
            change = None if old is None or new is None else new - old
            cells.append({"block": name, "before": old, "after": new, "change": change})
        rows.append({"outcome": outcome, "cells": cells})
    return rows


def outcome_pair(consultation: Consultation, first_id: int, second_id: int) -> tuple[Outcome, ...]:
    """The two outcomes of this consultation with these ids, or () if either is not one."""
    outcomes = {o.id: o for o in consultation.outcomes}
    if first_id == second_id or first_id not in outcomes or second_id not in outcomes:
        return ()
    return outcomes[first_id], outcomes[second_id]


def pair_reasons(round_: Round, first: Outcome, second: Outcome) -> dict[str, Any]:
    """The judgments on one pair: who leaned which way, by group, and the reasons given.

    Values are oriented as "``first`` over ``second``". Returns ``sides`` (``first``,
    ``equal``, ``second``), each a list of ``{"group", "count", "reasons"}`` in the
    consultation's group order, where ``reasons`` are ``(text, how many gave it)``, most
    given first. No author is ever returned.
    """
    low, high = sorted((first.id, second.id))
    rows = db.session.execute(
        db.select(StakeholderGroup.name, Judgment.value, Judgment.reason)
        .join(Membership, Judgment.membership_id == Membership.id)
        .join(StakeholderGroup, Membership.group_id == StakeholderGroup.id)
        .where(
            Judgment.round_id == round_.id,
            Judgment.outcome_a_id == low,
            Judgment.outcome_b_id == high,
        )
    ).all()
    flip = first.id != low
    order = [g.name for g in round_.consultation.groups]
    tally: dict[str, dict[str, tuple[int, Counter[str]]]] = {
        side: {} for side in ("first", "equal", "second")
    }
    for group, value, reason in rows:
        value = 1 / value if flip else value
        side = "first" if value > 1 + 1e-9 else "second" if value < 1 - 1e-9 else "equal"
        count, texts = tally[side].get(group, (0, Counter()))
        if reason and reason.strip():
            texts[reason.strip()] += 1
        tally[side][group] = (count + 1, texts)
    sides = {
        side: [
            {
                "group": group,
                "count": groups[group][0],
                "reasons": sorted(groups[group][1].items(), key=lambda t: (-t[1], t[0])),
            }
            for group in order
            if group in groups
        ]
        for side, groups in tally.items()
    }
    return {"total": len(rows), "sides": sides}


def find_pair(report: Mapping[str, Any], a: str, b: str) -> Mapping[str, Any] | None:
    """The report's entry for the pair of outcomes named ``a`` and ``b`` (either order)."""
    return next((p for p in report["pairs"] if {p["a"], p["b"]} == {a, b}), None)


def _between_groups(report: Mapping[str, Any]) -> float | None:
    """Mean clr distance between the groups' aggregate priorities (None below two groups)."""
    weights = [
        [g["weights"][o] for o in report["outcomes"]]
        for g in report["groups"].values()
        if g["size"] and None not in g["weights"].values()
    ]
    if len(weights) < 2:
        return None
    points = clr(np.asarray(weights, float))
    return float(np.mean([np.linalg.norm(a - b) for a, b in itertools.combinations(points, 2)]))


def _movement(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return "cannot be compared"
    if after - before >= STEADY:
        return "converged"
    if before - after >= STEADY:
        return "moved apart"
    return "held steady"


def round_comparison(consultation: Consultation) -> dict[str, Any] | None:
    """How consensus and group priorities moved across the rounds with judgments.

    Returns None with fewer than two such rounds. Otherwise ``rounds`` (labels),
    ``series`` (S* per group and everyone, per round), ``sentences`` (plain words, first
    round against the last), ``between`` (the groups' distance from each other and
    whether they converged or entrenched), ``priorities`` (per group and outcome, the
    priority in each round) and ``chart`` (SVG).
    """
    reports = [(r, round_report(r)) for r in rounds_with_judgments(consultation)]
    reports = [(r, rep) for r, rep in reports if rep is not None]
    if len(reports) < 2:
        return None
    labels = [f"Round {r.number}" for r, _ in reports]
    names = ["Everyone", *(g.name for g in consultation.groups)]

    def block(rep: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
        found = rep["overall"] if name == "Everyone" else rep["groups"].get(name)
        return found if found and found["size"] else None

    series: dict[str, list[float | None]] = {}
    kendall: dict[str, list[float | None]] = {}
    for name in names:
        blocks = [block(rep, name) for _, rep in reports]
        series[name] = [b["consensus"] if b else None for b in blocks]
        kendall[name] = [b["kendall_w"] if b else None for b in blocks]
    sentences = []
    for name in names:
        first, last = series[name][0], series[name][-1]
        if first is None or last is None:
            continue
        text = f"{name} {_movement(first, last)}: S* {first:.2f} → {last:.2f}"
        w0, w1 = kendall[name][0], kendall[name][-1]
        if w0 is not None and w1 is not None:
            text += f", Kendall's W {w0:.2f} → {w1:.2f}"
        old, new = block(reports[0][1], name), block(reports[-1][1], name)
        if old and new:
            moved = max(new["weights"], key=lambda o: abs(new["weights"][o] - old["weights"][o]))
            text += (
                f"; moved most on {moved}: {charts.percent(old['weights'][moved])} → "
                f"{charts.percent(new['weights'][moved])}"
            )
        sentences.append(text + ".")
    distances = [_between_groups(rep) for _, rep in reports]
    between = None
    if distances[0] is not None and distances[-1] is not None:
        closer = distances[-1] < distances[0]
        between = {
            "distances": distances,
            "trend": "convergence" if closer else "entrenchment",
            "sentence": (
                f"Between groups: {'convergence' if closer else 'entrenchment'} — the groups' "
                f"priorities moved {'closer together' if closer else 'further apart'} "
                f"(distance {distances[0]:.2f} → {distances[-1]:.2f})."
            ),
        }
    priorities = []
    for name in names:
        blocks = [block(rep, name) for _, rep in reports]
        rows = [
            {"outcome": o, "values": [b["weights"][o] if b else None for b in blocks]}
            for o in reports[-1][1]["outcomes"]
        ]
        priorities.append({"name": name, "rows": rows})
    chart = charts.trend_lines(
        series,
        labels,
        title="Consensus (S*) by round, for everyone and each group",
        overall="Everyone",
        bands=[(bound, name) for bound, name in S_BANDS],
    )
    return {
        "rounds": labels,
        "series": series,
        "kendall": kendall,
        "sentences": sentences,
        "between": between,
        "priorities": priorities,
        "chart": chart,
    }
