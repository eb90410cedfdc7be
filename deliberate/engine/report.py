"""The one serialiser of analysis reports (JSON and text) and the public view.

The web pages, the API and ``deliberate analyze`` all print reports through here.
"""

from __future__ import annotations

import copy
import json
from typing import Any

__all__ = ["public_view", "to_json", "to_text"]

_TOP_PAIRS = 5


def to_json(report: dict[str, Any]) -> str:
    """Serialise a report as JSON (UTF-8 text, 2-space indent, no NaN)."""
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False)


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def _num(value: float | None, fmt: str = ".3f") -> str:
    return "–" if value is None else format(value, fmt)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]

    def line(r: list[str]) -> str:
        first = r[0].ljust(widths[0])
        rest = [cell.rjust(w) for cell, w in zip(r[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _interval(block: dict[str, Any], outcome: str) -> str:
    iv = (block.get("intervals") or {}).get(outcome)
    return "" if iv is None else f"[{100 * iv[0]:.1f}, {100 * iv[1]:.1f}]"


def _pair_sentence(p: dict[str, Any]) -> str:
    text = (
        f"{p['a']} vs {p['b']}: {_pct(p['share_a'], 0)} put {p['a']} first, "
        f"{_pct(p['share_b'], 0)} {p['b']}"
    )
    if p["share_equal"]:
        text += f", {_pct(p['share_equal'], 0)} rate them equal"
    text += f"; {_pct(p['eta_squared'], 0)} of the disagreement lies between groups"
    if p.get("conflict_between_groups"):
        text += "; the groups stand on opposite sides"
    if p["contested_within"]:
        text += f"; contested within {', '.join(p['contested_within'])}"
    return text + "."


def to_text(report: dict[str, Any]) -> str:
    """A readable plain-text report: priorities with intervals, consensus, contested pairs."""
    method = report["method"]
    outcomes = report["outcomes"]
    overall = report["overall"]
    groups = report.get("groups") or {}
    out: list[str] = ["Deliberate analysis", "=" * 19, ""]
    blocks = [("overall", overall), *groups.items()]
    header = ["outcome"]
    for name, block in blocks:
        header += [f"{name} (n={block['size']})", "95% interval" if block.get("intervals") else ""]
    rows = []
    for o in outcomes:
        row = [o]
        for _, block in blocks:
            row += [_pct(block["weights"][o]), _interval(block, o)]
        rows.append(row)
    keep = [c for c in range(len(header)) if any(r[c] for r in [header, *rows])]
    out += ["Priorities", ""]
    out += _table([header[c] for c in keep], [[r[c] for c in keep] for r in rows])
    out.append("")
    out += ["Consensus", ""]
    cons_rows = [
        [
            name,
            _pct(b["consensus"]),
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
    pairs = sorted(
        report.get("pairs") or [],
        key=lambda p: (p["conflict_score"], p["polarisation"]),
        reverse=True,
    )[:_TOP_PAIRS]
    if pairs:
        out += ["Most contested pairs", ""]
        out += [f"{k}. {_pair_sentence(p)}" for k, p in enumerate(pairs, 1)]
        out.append("")
    distinct = [
        f"- {name}, unlike the others, put {d['favours']} above {d['over']} "
        f"({_pct(d['share_group'], 0)} vs {_pct(d['share_rest'], 0)})."
        for name, b in groups.items()
        for d in (b.get("distinctive") or [])[:2]
    ]
    if distinct:
        out += ["What sets groups apart", "", *distinct, ""]
    sens = report.get("sensitivity") or {}
    if sens.get("flip"):
        flip = sens["flip"]
        weights = ", ".join(f"{g} {_pct(w, 0)}" for g, w in flip["weights"].items())
        out += [
            "Sensitivity to voice weights",
            "",
            f"The top outcome stays on top at {_pct(sens['stable_top'], 0)} of weightings; "
            f"moving {_pct(flip['distance'], 0)} of the voice ({weights}) puts "
            f"{flip['new_top']} on top.",
            "",
        ]
    if report.get("options"):
        out += _options_text(report["options"])
    participants = report.get("participants") or []
    if participants:
        flagged = sum(not p["consistent"] for p in participants)
        out += [
            f"Participants: {len(participants)}; above the CR threshold "
            f"{method['cr_threshold']}: {flagged}; excluded: {len(method['excluded'])}; "
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
        + ", ".join(f"{g} {_pct(w, 1)}" for g, w in method["group_weights"].items())
        + ")",
        f"- CR with random index {method['random_index']}; threshold {method['cr_threshold']}",
        f"- bootstrap: {method['bootstrap']} stratified resamples, seed {method['seed']}",
        f"- clusters: {clusters.get('method', '–')}",
        f"- sensitivity: {sens.get('method', '–')}",
    ]
    return "\n".join(out) + "\n"


def _options_text(options: dict[str, Any]) -> list[str]:
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
                _pct((overall.get("best_probability") or {}).get(name), 0),
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
    flip = (options.get("sensitivity") or {}).get("flip")
    if flip:
        out.append(
            f"Moving {_pct(flip['distance'], 0)} of the voice makes {flip['new_best']} best."
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


def public_view(report: dict[str, Any], k: int) -> dict[str, Any]:
    """The report for non-facilitators: aggregates only, small groups withheld.

    Drops the per-participant list, cluster labels and map points, and participant ids in
    ``method``; withholds every group with fewer than ``k`` members (its aggregates, its
    columns in pairs and outcomes, its distinctive pairs, cluster compositions) and says
    which in ``withheld_groups``. When groups are withheld, ``overall.by_weighting`` and the
    sensitivity sweep (which would let a reader solve for a small group) are withheld too,
    and so are the same parts of ``options``, whose individual assessors are never shown.
    When fewer than ``k`` participants are included in all, every aggregate is withheld.

    Parameters
    ----------
    report : dict
        From `analyze`.
    k : int
        Minimum group size shown.
    """
    view = copy.deepcopy(report)
    view.pop("participants", None)
    method = view["method"]
    method["excluded"] = len(method["excluded"])
    method["skipped"] = len(method["skipped"])
    options = view.get("options")
    if options is not None:
        options["assessors"].pop("individual", None)
    clusters = view.get("clusters") or {}
    clusters.pop("labels", None)
    clusters.pop("points", None)
    withheld = sorted(name for name, g in (view.get("groups") or {}).items() if g["size"] < k)
    view["withheld_groups"] = withheld
    view["min_group_size"] = k
    if view["overall"]["size"] < k:
        return {
            "outcomes": view["outcomes"],
            "method": method,
            "withheld_groups": sorted(view.get("groups") or {}),
            "min_group_size": k,
            "withheld": f"fewer than {k} participants: results are not shown",
        }
    for cluster in clusters.get("profiles", []):
        cluster.pop("groups", None)
    clusters["profiles"] = [c for c in clusters.get("profiles", []) if c["size"] >= k]
    if withheld:
        drop = set(withheld)
        view["groups"] = {n: g for n, g in view["groups"].items() if n not in drop}
        for key in ("pairs", "by_outcome"):
            view[key] = _drop_groups(view[key], drop)
        for pair in view["pairs"]:
            pair["contested_within"] = [g for g in pair["contested_within"] if g not in drop]
        view["overall"]["by_weighting"] = None
        view["sensitivity"] = {"method": "withheld: a group is smaller than the minimum size"}
        method["group_weights"] = _drop_groups(method["group_weights"], drop)
        if options is not None:
            options["groups"] = _drop_groups(options["groups"], drop)
            options["overall"]["by_weighting"] = None
            options["sensitivity"] = {"withheld": "a group is smaller than the minimum size"}
    return view
