"""The one serialiser of analysis reports (JSON and text) and the public view.

The reports' shape is declared in :mod:`deliberate.engine.types` (re-exported here).

The web pages, the API and ``deliberate analyze`` all print reports through here.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

from .inference import ALPHA, CONTESTED_SHARE
from .types import (
    Block,
    OptionsReport,
    Pair,
    Participant,
    PublicReport,
    PublicView,
    Report,
    WithheldReport,
)
from .uncertainty import MIN_INTERVAL_SIZE

__all__ = [
    "BETWEEN_LABEL",
    "CONFLICT_LABEL",
    "CONTESTED_NOTE",
    "FLAG_NOTE",
    "INTERVAL_NOTE",
    "PublicReport",
    "PublicView",
    "Report",
    "WithheldReport",
    "between_phrase",
    "conflict_sentence",
    "distinctive_sentence",
    "flagged_pairs",
    "public_view",
    "share",
    "to_json",
    "to_json_bytes",
    "to_text",
]

#: How sure a flag is, in words, for every page and the text report.
FLAG_NOTE = (
    "Flags are statistical tests over every pair and group at once (false discovery rate "
    f"{ALPHA:.0%}): when the groups do not really differ, under 5% of analyses show any "
    "conflict or distinctive pair (docs/METHODS.md)."
)
CONTESTED_NOTE = f"at least {CONTESTED_SHARE:.0%} of the group shown to be on each side"
INTERVAL_NOTE = (
    "95% intervals show how far a priority could move with another sample of people like "
    "these; they do not cover judgment error within a person or the choice of method. "
    f"None for groups under {MIN_INTERVAL_SIZE} people."
)

#: The between-group share's name (ω², Hays 1963) and the conflict flag's, on every page.
BETWEEN_LABEL = "Share between groups (ω²)"
CONFLICT_LABEL = "conflict between groups"

_TOP_PAIRS = 5


def to_json(report: Report | PublicView) -> str:
    """Serialise a report as JSON (UTF-8 text, 2-space indent); see :func:`to_json_bytes`."""
    return to_json_bytes(report).decode("utf-8")


def to_json_bytes(report: Report | PublicView) -> bytes:
    """The report as JSON in UTF-8 bytes, 2-space indent, written by ``orjson``: the one
    serialiser for the command line, the pages and the API (NaN is written as null)."""
    import orjson

    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY)


def percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage ("21.4%"), or a dash when unknown: the one percentage format."""
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def share(value: float | None) -> str:
    """A share of people as a whole percentage: the one rounding rule for shares."""
    return percent(value, 0)


def _names(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def between_phrase(pair: Mapping[str, Any]) -> str:
    """ "12% of the disagreement lies between groups (ω²)": the one wording of the share."""
    return f"{share(pair.get('omega_squared'))} of the disagreement lies between groups (ω²)"


def conflict_sentence(pair: Mapping[str, Any]) -> str:
    """Plain words for a pair flagged as a conflict between groups.

    E.g. "Cost vs Benefit: funders (5.0×) lean to Cost; users (5.0×) lean to Benefit
    (conflict between groups, adjusted p = 0.001)." Only the groups the test shows on a
    side are named.
    """
    sides = pair.get("group_sides") or {}
    means = pair.get("group_means") or {}
    parts = []
    for outcome, side in ((pair["a"], "a"), (pair["b"], "b")):
        named = [
            f"{g} ({math.exp(abs(means[g])):.1f}×)"
            for g, s in sides.items()
            if s == side and means.get(g) is not None
        ]
        if named:
            parts.append(f"{_names(named)} lean to {outcome}")
    p = pair.get("conflict_p")
    tail = "" if p is None else f" ({CONFLICT_LABEL}, adjusted p = {p:.2g})"
    return f"{pair['a']} vs {pair['b']}: " + "; ".join(parts) + tail + "."


def distinctive_sentence(group: str, d: Mapping[str, Any]) -> str:
    """ "X, unlike the others, put A above B (80% vs 20%; adjusted p = 0.01)." """
    return (
        f"{group}, unlike the others, put {d['favours']} above {d['over']} "
        f"({share(d['share_group'])} vs {share(d['share_rest'])}; "
        f"adjusted p = {d['p_value']:.2g})."
    )


def flagged_pairs(pairs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Pairs with a tested flag (conflict between groups or split within a group), most first.

    Never padded with pairs nobody disputes: an empty list when nothing is flagged.
    """
    flagged = [p for p in pairs if p.get("conflict_between_groups") or p["contested_within"]]
    return sorted(
        flagged,
        key=lambda p: (-p["conflict_score"], -(p["polarisation"] or 0.0), p["a"], p["b"]),
    )


def _num(value: float | None, fmt: str = ".3f") -> str:
    return "–" if value is None else format(value, fmt)


def _table(header: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """A plain-text table; the first ``left`` columns aligned left, the others right."""
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]

    def line(r: list[str]) -> str:
        first = [cell.ljust(w) for cell, w in zip(r[:left], widths[:left], strict=True)]
        rest = [cell.rjust(w) for cell, w in zip(r[left:], widths[left:], strict=True)]
        return "  ".join([*first, *rest]).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _interval(block: Block, outcome: str) -> str:
    iv = (block.get("intervals") or {}).get(outcome)
    return "" if iv is None else f"[{100 * iv[0]:.1f}, {100 * iv[1]:.1f}]"


def _pair_sentence(p: Mapping[str, Any]) -> str:
    text = (
        f"{p['a']} vs {p['b']}: {share(p['share_a'])} put {p['a']} first, "
        f"{share(p['share_b'])} {p['b']}"
    )
    if share(p["share_equal"]) != share(0.0):
        text += f", {share(p['share_equal'])} rate them equal"
    text += f"; {between_phrase(p)}"
    if p.get("conflict_between_groups"):
        text += "; " + conflict_sentence(p).split(": ", 1)[1].rstrip(".")
    if p["contested_within"]:
        text += f"; split within {', '.join(p['contested_within'])}"
    return text + "."


def to_text(report: Report) -> str:
    """A readable plain-text report: priorities with intervals, consensus, contested pairs."""
    method = report["method"]
    outcomes = report["outcomes"]
    overall = report["overall"]
    groups = report["groups"]
    out: list[str] = ["Deliberate analysis", "=" * 19, ""]
    blocks: list[tuple[str, Block]] = [("overall", overall), *groups.items()]
    header = ["rank", "outcome"]
    for name, block in blocks:
        header += [f"{name} (n={block['size']})", "95% interval" if block.get("intervals") else ""]
    ranked = sorted(outcomes, key=lambda o: -(overall["weights"][o] or 0.0))
    rows = []
    for rank, o in enumerate(ranked, 1):
        row = [str(rank), o]
        for _, block in blocks:
            row += [percent(block["weights"][o]), _interval(block, o)]
        rows.append(row)
    keep = [c for c in range(len(header)) if any(r[c] for r in [header, *rows])]
    top = ranked[0]
    out += ["Priorities, highest first", ""]
    out += _table([header[c] for c in keep], [[r[c] for c in keep] for r in rows], left=2)
    top_share = percent(overall["weights"][top])
    out += ["", f"Top outcome: {top} ({top_share} of the overall weight).", ""]
    out += ["Consensus", ""]
    cons_rows = [
        [
            name,
            percent(b["consensus"]),
            b["consensus_band"] or "–",
            _num(b["kendall_w"]),
            _num(b["kendall_p"], ".3g"),
            _num(b.get("cr")),
        ]
        for name, b in blocks
    ]
    out += _table(["", "S*", "band", "Kendall W", "p", "CR"], cons_rows)
    for _, b in blocks:
        out += [f"! {w}" for w in b.get("warnings", [])]
    out.append("")
    pairs = flagged_pairs(report.get("pairs") or [])
    out += ["Most contested pairs", ""]
    if pairs:
        out += [f"{k}. {_pair_sentence(p)}" for k, p in enumerate(pairs[:_TOP_PAIRS], 1)]
    else:
        out.append("No pair divides the groups or splits a group beyond what chance explains.")
    out.append("")
    distinct = [
        f"- {distinctive_sentence(name, d)}"
        for name, b in groups.items()
        for d in (b.get("distinctive") or [])[:2]
    ]
    out += ["What sets groups apart", ""]
    out += distinct or ["No group differs from the rest on any pair beyond what chance explains."]
    out += ["", FLAG_NOTE, f"Split within a group: {CONTESTED_NOTE}.", INTERVAL_NOTE, ""]
    sens = report["sensitivity"]
    flip = sens["flip"]
    if flip:
        weights = ", ".join(f"{g} {percent(w, 0)}" for g, w in flip["weights"].items())
        out += [
            "Sensitivity to voice weights",
            "",
            f"The top outcome stays on top at {percent(sens['stable_top'], 0)} of weightings; "
            f"moving {percent(flip['distance'], 0)} of the voice ({weights}) puts "
            f"{flip['new_top']} on top.",
            "",
        ]
    if report.get("options"):
        out += _options_text(report["options"])
    participants = report.get("participants") or []
    if participants:
        flagged = sum(not p["consistent"] for p in participants)
        unassessed = sum(p.get("cr_assessable") is False for p in participants)
        out += [
            f"Participants: {len(participants)}; above the CR threshold "
            f"{method['cr_threshold']}: {flagged}; CR not assessable (too few comparisons "
            f"to tell care from chance): {unassessed}; excluded: {len(method['excluded'])}; "
            f"skipped (disconnected): {len(method['skipped'])}.",
            "",
        ]
    clusters = report.get("clusters") or {}
    out += [
        "Method",
        "",
        f"- priorities: {method['priority_method']}",
        f"- aggregation: {method['aggregate_method']}",
        f"- weighting: {method['weighting']} ("
        + ", ".join(f"{g} {percent(w, 1)}" for g, w in method["group_weights"].items())
        + ")",
        f"- CR with random index {method['random_index']}; threshold {method['cr_threshold']}"
        + (
            "; incomplete answers: RI by missing pairs"
            if "random_index_incomplete" in method
            else ""
        ),
        f"- bootstrap: {method['bootstrap']} stratified resamples, seed {method['seed']}",
        f"- clusters: {clusters.get('method', '–')}",
        f"- sensitivity: {sens.get('method', '–')}",
        "",
        "n: participants; S*: Goepel's consensus (0–100%); W: Kendall's coefficient of "
        "concordance, p its p-value; CR: consistency ratio (random index "
        f"{method['random_index']}); AIJ/AIP: aggregation of individual judgments/priorities.",
    ]
    return "\n".join(out) + "\n"


def _options_text(options: OptionsReport) -> list[str]:
    """Options: value overall (with interval and chance of being best) and per group."""
    overall, groups = options["overall"], options["groups"]
    header = ["option", "value", "95% interval", "P(best)", *groups]
    rows = []
    for name in options["names"]:
        iv = (overall.get("intervals") or {}).get(name)
        rows.append(
            [
                name,
                _num(overall["value"][name]),
                "" if iv is None else f"[{iv[0]:.3f}, {iv[1]:.3f}]",
                percent((overall.get("best_probability") or {}).get(name), 0),
                *(_num(g["value"][name]) for g in groups.values()),
            ]
        )
    out = [f"Options ({options['synthesis']} synthesis, {options['mode']} appraisal)", ""]
    out += _table(header, rows)
    out += ["", f"Best overall: {overall['best']}."]
    out += [f"Best for {g}: {b['best']}." for g, b in groups.items()]
    if not options["other_synthesis"]["same_ranking"]:
        out.append(
            f"The {options['other_synthesis']['synthesis']} synthesis ranks them differently."
        )
    option_flip = options["sensitivity"]["flip"]
    if option_flip:
        out.append(
            f"Moving {percent(option_flip['distance'], 0)} of the voice makes "
            f"{option_flip['new_best']} best."
        )
    if options["frontier"]:
        out.append(f"Not beaten on both value and cost: {', '.join(options['frontier'])}.")
    return [*out, ""]


def _drop_groups(value: Any, withheld: set[str]) -> Any:
    """Remove keys naming withheld groups from every dict inside ``value``."""
    if isinstance(value, dict):
        return {k: _drop_groups(v, withheld) for k, v in value.items() if k not in withheld}
    if isinstance(value, list):
        return [_drop_groups(v, withheld) for v in value]
    return value


#: Bootstrap intervals (and rank probabilities) are shown only for blocks of at least this
#: many times ``k`` people: the tails of a small group's bootstrap are its extreme members.
INTERVAL_FACTOR = 2


def interval_min_size(k: int) -> int:
    """The fewest people a block (overall or a group) needs before its intervals are shown."""
    return INTERVAL_FACTOR * k


def _count_cell(people: list[Participant], k: int) -> int | None:
    """How many of ``people`` showed no inconsistency (a CR within the threshold, or too few
    comparisons to assess one), or None when either side has fewer than k.

    Those too few to assess are not counted apart: the view without inconsistent answers
    keeps them, so a separate count would let its size minus this one tell how many they
    are, however few.
    """
    consistent = sum(bool(p["consistent"]) for p in people)
    return consistent if min(consistent, len(people) - consistent) >= k else None


def _without_intervals(view: dict[str, Any], small: set[str], overall_small: bool) -> None:
    """Remove the intervals of the groups in ``small`` (and overall's, if ``overall_small``)."""
    for name in small:
        view["groups"][name]["intervals"] = None
    for entry in view.get("by_outcome") or []:
        for name in small & set(entry["groups"]):
            entry["groups"][name]["interval"] = None
        if overall_small:
            entry["overall"]["interval"] = None
    for pair in view.get("pairs") or []:
        if pair.get("group_intervals"):
            for name in small & set(pair["group_intervals"]):
                pair["group_intervals"][name] = None
    if overall_small:
        view["overall"]["intervals"] = None
        view["overall"]["rank_probabilities"] = None


def _thin(pair: Pair, k: int) -> bool:
    """Whether a pair's figures rest on fewer than k people, in all or in a group shown."""
    return pair["n"] < k or any(0 < n < k for n in (pair.get("group_n") or {}).values())


def public_view(report: Report, k: int) -> PublicView:
    """The report for non-facilitators: aggregates of at least ``k`` people only.

    Pass a report analysed without the groups to withhold (see
    :func:`deliberate.services.disclosure.publishable_report`): then no figure depends on a
    withheld person. Here the per-participant list, cluster labels and map points and
    participant ids are dropped; every group with fewer than ``k`` members (nobody, in
    such a report) is named in ``withheld_groups`` and left out; consistency counts are
    given only where at least ``k`` people are on each side (``participation``); pairs that
    fewer than ``k`` people answered, in all or in a group shown, are left out and named in
    ``withheld_pairs`` (reduced designs ask each person some pairs only); intervals
    only for blocks of :func:`interval_min_size` people; cluster profiles only when every
    cluster has ``k`` people. A report that still holds a group of 1 to ``k - 1`` members
    also loses the weightings sweep, the sensitivity sweep and the between-group flags,
    though its totals still include that group. When fewer than ``k`` participants are
    included in all, or no group has ``k``, every aggregate is withheld. The same parts of
    ``options`` are withheld by the same rules, and individual assessors are never shown.

    Parameters
    ----------
    report : dict
        From `analyze`.
    k : int
        Minimum group size shown.
    """
    # Built in place on a copy and checked against the `PublicView` schema by the tests.
    view: dict[str, Any] = copy.deepcopy(cast(dict[str, Any], report))
    people: list[Participant] = view.pop("participants", None) or []
    method = view["method"]
    method["excluded"] = len(method["excluded"])
    method["skipped"] = len(method["skipped"])
    options = view.get("options")
    if options is not None:
        options["assessors"].pop("individual", None)
    clusters = view.get("clusters") or {}
    clusters.pop("labels", None)
    clusters.pop("points", None)
    groups = view.get("groups") or {}
    withheld = sorted(name for name, g in groups.items() if g["size"] < k)
    view["withheld_groups"] = withheld
    view["min_group_size"] = k
    if view["overall"]["size"] < k or len(withheld) == len(groups):
        method.update(excluded=None, skipped=None, group_weights=None)
        withheld_all: WithheldReport = {
            "outcomes": view["outcomes"],
            "method": method,
            "withheld_groups": sorted(groups),
            "min_group_size": k,
            "withheld": f"no group has {k} or more participants: results are not shown",
        }
        return withheld_all
    profiles = clusters.get("profiles", [])
    for cluster in profiles:
        cluster.pop("groups", None)
    if any(c["size"] < k for c in profiles):
        clusters["profiles"] = []
    drop = set(withheld)
    shown = [p for p in people if p["group"] not in drop]
    view["participation"] = {
        "answered": len(shown),
        "consistent": _count_cell(shown, k),
        "groups": {
            name: {
                "size": g["size"],
                "consistent": _count_cell([p for p in shown if p["group"] == name], k),
            }
            for name, g in groups.items()
            if name not in drop
        },
    }
    if drop:
        view["groups"] = {n: g for n, g in groups.items() if n not in drop}
        for key in ("pairs", "by_outcome"):
            view[key] = _drop_groups(view[key], drop)
        for pair in view["pairs"]:
            pair["contested_within"] = [g for g in pair["contested_within"] if g not in drop]
            sides_shown = set((pair.get("group_sides") or {}).values())
            if pair.get("conflict_between_groups") and not {"a", "b"} <= sides_shown:
                # the other side was a withheld group: no conflict can be shown
                pair["conflict_between_groups"] = False
                pair["conflict_p"] = None
        method["group_weights"] = _drop_groups(method["group_weights"], drop)
        if options is not None:
            options["groups"] = _drop_groups(options["groups"], drop)
    if any(groups[name]["size"] > 0 for name in drop):
        view["overall"]["by_weighting"] = None
        view["sensitivity"] = {"method": "withheld: a group is smaller than the minimum size"}
        if options is not None:
            options["overall"]["by_weighting"] = None
            options["sensitivity"] = {"withheld": "a group is smaller than the minimum size"}
        for pair in view["pairs"]:
            pair["conflict_between_groups"] = None
    thin = {(p["a"], p["b"]) for p in view["pairs"] if _thin(p, k)}
    if thin:
        view["pairs"] = [p for p in view["pairs"] if (p["a"], p["b"]) not in thin]
        for block in view["groups"].values():
            block["distinctive"] = [
                d for d in block.get("distinctive") or [] if (d["a"], d["b"]) not in thin
            ]
    view["withheld_pairs"] = sorted([a, b] for a, b in thin)
    minimum = interval_min_size(k)
    small = {n for n, g in view["groups"].items() if g["size"] < minimum}
    _without_intervals(view, small, view["overall"]["size"] < minimum)
    return cast(PublicReport, view)
