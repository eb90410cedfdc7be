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

from ..engine import Report
from ..engine.consensus import agreement_band, clr
from ..engine.inference import ALPHA
from ..engine.report import (
    BETWEEN_LABEL,
    CONFLICT_LABEL,
    CONTESTED_NOTE,
    conflict_sentence,
    percent,
)
from ..engine.types import Block, OutcomeRow, Pair, Results
from ..extensions import db
from ..models import Consultation, Judgment, Membership, Outcome, Role, Round, StakeholderGroup
from .lookup import round_by_number
from .results import round_report

#: A change in S* smaller than this is "held steady" (S* has no interval across rounds, so
#: larger changes are said to rise or fall, never to converge).
STEADY = 0.02
#: One plain line for each statistic a facilitator reads: (name, explanation), by key. Shown
#: on hover and focus where the statistic appears, and in each page's glossary.
GLOSSARY = {
    "between": (
        BETWEEN_LABEL,
        "How much of the disagreement on a pair lies between the groups rather than among "
        "people in the same group, beyond what chance alone gives: 0% none of it, 100% all "
        "of it.",
    ),
    "conflict": (
        CONFLICT_LABEL.capitalize(),
        "One group is shown to favour each outcome of the pair: a test over every pair and "
        f"group at once (false discovery rate {ALPHA:.0%}).",
    ),
    "split": (
        "Split within",
        f"People inside the group are divided on the pair: {CONTESTED_NOTE}.",
    ),
    "interval": (
        "95% interval",
        "Where the value would likely fall if similar people were asked again; "
        "a wide range means little certainty.",
    ),
    "s_star": (
        "S* (consensus)",
        "How alike people's priorities are, from 0% (nothing in common) to 100% (identical).",
    ),
    "kendall_w": (
        "Kendall's W",
        "How alike people's rankings of the outcomes are, from 0 (no shared order) to 1 "
        "(everyone ranks them the same).",
    ),
    "ari": (
        "Adjusted Rand index",
        "How closely the opinion clusters match the declared groups: 1 exactly, 0 no more "
        "than chance.",
    ),
    "cluster": (
        "Opinion cluster",
        "People whose priorities are alike, found from their answers alone, whatever group "
        "they declared.",
    ),
    "cr": (
        "Consistency ratio (CR)",
        "How much a person's answers contradict each other (A over B, B over C, yet C over A); "
        "above the threshold they deserve a second look.",
    ),
    "weighted": (
        "Weighted voices",
        "Shares counted with each person's voice weight, as the results are: with each group "
        "an equal voice, a small group counts as much as a large one.",
    ),
}
#: Bootstrap resamples for the interval of the change in distance between groups.
DISTANCE_DRAWS = 1000


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
        return round_by_number(consultation, number)
    answered = rounds_with_judgments(consultation)
    return answered[-1] if answered else consultation.current_round


def has_results(report: Results) -> bool:
    """False when a report has nobody left to aggregate (e.g. everyone was excluded)."""
    return report["overall"]["size"] > 0 and None not in report["overall"]["weights"].values()


def conflict_order(pairs: Sequence[Pair]) -> list[Pair]:
    """Pairs by conflict between groups (the engine's ``conflict_score``), most first."""
    return sorted(
        pairs, key=lambda p: (-p["conflict_score"], -(p["polarisation"] or 0.0), p["a"], p["b"])
    )


def conflict_sentences(pairs: Sequence[Pair], limit: int = 3) -> list[str]:
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


def inconsistent_participants(report: Report, labels: Mapping[int, str]) -> list[dict[str, Any]]:
    """Participants above the consistency threshold: label, group and CR, worst first."""
    rows = [
        {"label": labels.get(int(p["id"]), "Participant"), "group": p["group"], "cr": p["cr"]}
        for p in report["participants"]
        if not p["consistent"]
    ]
    return sorted(rows, key=lambda r: -(r["cr"] or 0.0))


def consensus_rows(report: Results) -> list[dict[str, Any]]:
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


def cluster_labels(report: Results) -> dict[int, str]:
    """A label per opinion cluster: its number, size and the two outcomes it puts first."""
    labels = {}
    for profile in report["clusters"]["profiles"]:
        weights = profile["weights"]
        top = sorted(weights, key=lambda o: -(weights[o] or 0.0))[:2]
        labels[profile["cluster"]] = (
            f"Cluster {profile['cluster'] + 1} ({profile['size']}): {' and '.join(top)} first"
        )
    return labels


def cluster_table(report: Results) -> list[dict[str, Any]]:
    """Each opinion cluster's size, leading outcomes and make-up by declared group."""
    labels = cluster_labels(report)
    return [
        {"label": labels[p["cluster"]], "size": p["size"], "groups": p.get("groups") or {}}
        for p in report["clusters"]["profiles"]
    ]


def map_points(report: Report) -> list[tuple[float, float, str, int]]:
    """(x, y, group, cluster) per participant, sorted by position so order reveals nobody."""
    clusters = report["clusters"]
    points = clusters.get("points") or {}
    cluster_of = clusters.get("labels") or {}
    group_of = {str(p["id"]): p["group"] for p in report["participants"]}
    return sorted(
        (float(x), float(y), group_of[key], int(cluster_of.get(key, 0)))
        for key, (x, y) in points.items()
    )


def by_outcome(report: Results) -> list[OutcomeRow]:
    """The report's per-outcome entries, highest overall priority first."""
    return sorted(report["by_outcome"], key=lambda item: -(item["overall"]["weight"] or 0.0))


def map_data(report: Report) -> dict[str, Any]:
    """What the disagreement map's charts draw (:func:`deliberate.charts.map_charts`).

    The groups, the pairs by conflict, the outcomes by priority, the priorities under each
    weighting (every weight is finite once anybody is included, as the map needs), the
    participants' points and the clusters' labels.
    """
    weighting = report["method"]["weighting"]
    overall = report["overall"]
    return {
        "groups": list(report["groups"]),
        "pairs": conflict_order(report["pairs"]),
        "by_outcome": by_outcome(report),
        "by_weighting": overall["by_weighting"] or {weighting: overall["weights"]},
        "weighting": weighting,
        "points": map_points(report),
        "clusters": cluster_labels(report),
    }


def priority_changes(original: Report, revised: Report) -> list[dict[str, Any]]:
    """Per outcome, overall and group priorities before and after a change of analysis."""
    blocks: list[tuple[str, Block, Block | None]] = [
        ("Everyone", original["overall"], revised["overall"])
    ] + [(name, block, revised["groups"].get(name)) for name, block in original["groups"].items()]
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


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def change_sentence(rows: Sequence[Mapping[str, Any]], left_out: int) -> str:
    """One sentence on what leaving people out changed: places in the overall order, and the
    largest shifts of any group's priority (``rows`` from :func:`priority_changes`)."""
    before = {r["outcome"]: r["cells"][0]["before"] for r in rows}
    after = {r["outcome"]: r["cells"][0]["after"] for r in rows}
    moves = []
    if None not in before.values() and None not in after.values():
        old = {o: i for i, o in enumerate(sorted(before, key=lambda o: -before[o]), 1)}
        new = {o: i for i, o in enumerate(sorted(after, key=lambda o: -after[o]), 1)}
        moves = [
            f"{o} moves from {_ordinal(old[o])} to {_ordinal(new[o])}"
            for o in sorted(old, key=lambda o: old[o])
            if old[o] != new[o]
        ]
    shifts = sorted(
        (
            (abs(c["change"]), c["block"], r["outcome"], c["change"])
            for r in rows
            for c in r["cells"]
            if c["change"] is not None
        ),
        reverse=True,
    )[:2]
    text = f"Leaving out the {left_out} participants above the consistency threshold: "
    text += "; ".join(moves) if moves else "the overall order of the outcomes stays the same"
    if shifts and shifts[0][0] >= 0.0005:
        largest = [
            f"{block} on {outcome} {100 * change:+.1f} pt" for _, block, outcome, change in shifts
        ]
        text += f"; the largest shifts are {' and '.join(largest)}"
    return text + "."


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
    given first; ``counts`` (people per side), ``total`` and ``reasons_given``. No author is
    ever returned.
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
    sides: dict[str, list[dict[str, Any]]] = {
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
    counts = {side: sum(entry["count"] for entry in entries) for side, entries in sides.items()}
    given = sum(
        n for groups in tally.values() for _, texts in groups.values() for n in texts.values()
    )
    return {"total": len(rows), "sides": sides, "counts": counts, "reasons_given": given}


def find_pair(report: Results, a: str, b: str) -> Pair | None:
    """The report's entry for the pair of outcomes named ``a`` and ``b`` (either order)."""
    return next((p for p in report["pairs"] if {p["a"], p["b"]} == {a, b}), None)


def group_points(report: Report) -> dict[str, np.ndarray]:
    """Each group's participants as rows of centred log priorities (clr), by group name."""
    outcomes = report["outcomes"]
    rows: dict[str, list[list[float]]] = {}
    for person in report["participants"]:
        weights = person.get("weights") or {}
        if weights and None not in weights.values():
            rows.setdefault(person["group"], []).append([weights[o] for o in outcomes])
    return {group: clr(np.asarray(values, float)) for group, values in rows.items()}


def _spread(centres: np.ndarray) -> np.ndarray:
    """Mean distance between every two group centres; ``centres`` is ``(..., G, d)``."""
    pairs = list(itertools.combinations(range(centres.shape[-2]), 2))
    gaps = [np.linalg.norm(centres[..., a, :] - centres[..., b, :], axis=-1) for a, b in pairs]
    return np.mean(gaps, axis=0)


def distance_change(
    first: Mapping[str, np.ndarray],
    last: Mapping[str, np.ndarray],
    *,
    draws: int = DISTANCE_DRAWS,
    seed: int = 0,
) -> dict[str, float] | None:
    """How far apart the groups are in two rounds, and a 95% interval for the change.

    A group's centre is the mean of its members' clr priorities (the clr of their
    normalised geometric mean). The distance is the mean distance between every two
    centres, over groups with at least two members in both rounds. The interval is a
    percentile bootstrap resampling members within each group and round (``draws``
    resamples). Returns None with fewer than two such groups.
    """
    groups = [g for g in first if g in last and len(first[g]) > 1 and len(last[g]) > 1]
    if len(groups) < 2:
        return None
    rng = np.random.default_rng(seed)

    def resampled(points: Mapping[str, np.ndarray]) -> np.ndarray:
        centres = []
        for g in groups:
            rows = points[g]
            picks = rng.integers(0, len(rows), size=(draws, len(rows)))
            centres.append(rows[picks].mean(axis=1))
        return _spread(np.stack(centres, axis=1))

    before = float(_spread(np.stack([first[g].mean(axis=0) for g in groups])))
    after = float(_spread(np.stack([last[g].mean(axis=0) for g in groups])))
    low, high = np.percentile(resampled(last) - resampled(first), [2.5, 97.5])
    return {"before": before, "after": after, "low": float(low), "high": float(high)}


def between_sentence(change: Mapping[str, float]) -> tuple[str, str]:
    """The trend between groups in words: convergence or entrenchment only when the 95%
    interval of the change leaves out no change."""
    interval = f"change {change['after'] - change['before']:+.2f}, 95% interval "
    interval += f"{change['low']:+.2f} to {change['high']:+.2f}"
    distances = f"distance {change['before']:.2f} → {change['after']:.2f}; {interval}"
    if change["high"] < 0:
        trend, words = "convergence", "the groups' priorities moved closer together"
    elif change["low"] > 0:
        trend, words = "entrenchment", "the groups' priorities moved further apart"
    else:
        trend, words = "no clear change", "the change is within what chance alone could give"
    return trend, f"Between groups: {trend} — {words} ({distances})."


def _movement(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return "cannot be compared"
    if after - before >= STEADY:
        return "rose"
    if before - after >= STEADY:
        return "fell"
    return "held steady"


def round_comparison(consultation: Consultation) -> dict[str, Any] | None:
    """How consensus and group priorities moved across the rounds with judgments.

    Returns None with fewer than two such rounds. Otherwise ``rounds`` (labels),
    ``series`` (S* per group and everyone, per round), ``sentences`` (plain words, first
    round against the last), ``between`` (the groups' distance from each other and
    whether they converged or entrenched), ``priorities`` (per group and outcome, the
    priority in each round), ``provisional`` (numbers of rounds still open, whose figures
    will change); :func:`deliberate.charts.consensus_chart` draws it.
    """
    reports = [
        (r, rep)
        for r in rounds_with_judgments(consultation)
        if (rep := round_report(r)) is not None
    ]
    if len(reports) < 2:
        return None
    labels = [f"Round {r.number}" + (" (open)" if r.is_open else "") for r, _ in reports]
    provisional = [r.number for r, _ in reports if r.is_open]
    names = ["Everyone", *(g.name for g in consultation.groups)]

    def block(rep: Report, name: str) -> Block | None:
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
        text = f"{name}: consensus {_movement(first, last)}, S* {first:.2f} → {last:.2f}"
        w0, w1 = kendall[name][0], kendall[name][-1]
        if w0 is not None and w1 is not None:
            text += f", Kendall's W {w0:.2f} → {w1:.2f}"
        old, new = block(reports[0][1], name), block(reports[-1][1], name)
        if old and new:
            before, after = old["weights"], new["weights"]
            moved = max(after, key=lambda o: abs((after[o] or 0.0) - (before[o] or 0.0)))
            text += (
                f"; moved most on {moved}: {percent(old['weights'][moved])} → "
                f"{percent(new['weights'][moved])}"
            )
        sentences.append(text + ".")
    change = distance_change(
        group_points(reports[0][1]), group_points(reports[-1][1]), seed=consultation.id
    )
    between = None
    if change is not None:
        trend, sentence = between_sentence(change)
        between = {**change, "trend": trend, "sentence": sentence}
    priorities = []
    for name in names:
        blocks = [block(rep, name) for _, rep in reports]
        rows = [
            {"outcome": o, "values": [b["weights"][o] if b else None for b in blocks]}
            for o in reports[-1][1]["outcomes"]
        ]
        priorities.append({"name": name, "rows": rows})
    return {
        "rounds": labels,
        "provisional": provisional,
        "series": series,
        "kendall": kendall,
        "sentences": sentences,
        "between": between,
        "priorities": priorities,
    }
