"""The board's consensus summary in plain words, from an engine report.

Pure functions over report dicts: :func:`summarise` takes the engine's full report, keeps
only what :func:`deliberate.engine.public_view` lets a board see (groups below the
anonymity threshold withheld) and turns it into sentences and lists: the ranking, one
sentence per outcome, where groups converge, where they conflict, how the answer depends
on whose voice counts, and how strong the consensus is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from ..engine import public_view

#: Ordinal words for ranks; beyond ten, numerals ("11th").
ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
)

#: Verbal bands for Kendall's W (Schmidt 1997, Decision Sciences 28(3)): upper bounds.
W_BANDS = ((0.1, "very weak"), (0.3, "weak"), (0.5, "moderate"), (0.7, "strong"))
W_TOP_BAND = "very strong"

#: Agreement across groups on a pair: the typical share of each group on the common side
#: (geometric mean of the engine's smoothed shares, its group-informed convergence).
AGREEMENT_BANDS = ((0.60, "weak"), (0.75, "moderate"))
AGREEMENT_TOP_BAND = "strong"

WEIGHTING_LABELS = {
    "person": "One person, one voice",
    "groups": "Each group an equal voice",
    "custom": "Custom group weights",
}

_TIE = 1e-9


def ordinal(rank: int) -> str:
    """``1`` → ``"first"``; past ten, ``"11th"``, ``"12th"``, ``"21st"``…"""
    if 1 <= rank <= len(ORDINALS):
        return ORDINALS[rank - 1]
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def percent(x: float | None, digits: int = 0) -> str:
    """A share as a percentage ("67%"), or a dash when unknown."""
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def join_names(names: Sequence[str]) -> str:
    """``["A", "B", "C"]`` → ``"A, B and C"``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def competition_ranks(weights: Mapping[str, float | None]) -> dict[str, tuple[int, bool]]:
    """Each outcome's rank (1 + how many weigh more) and whether it shares that rank."""
    values = {o: w for o, w in weights.items() if w is not None}
    ranks: dict[str, tuple[int, bool]] = {}
    for outcome, w in values.items():
        above = sum(other > w + _TIE for other in values.values())
        tied = sum(abs(other - w) <= _TIE for other in values.values()) > 1
        ranks[outcome] = (above + 1, tied)
    return ranks


def rank_words(rank: tuple[int, bool]) -> str:
    """``(1, False)`` → ``"first"``; ``(2, True)`` → ``"joint second"``."""
    return ("joint " if rank[1] else "") + ordinal(rank[0])


def w_band(w: float | None) -> str | None:
    """Kendall's W in words (Schmidt 1997)."""
    if w is None:
        return None
    return next((label for bound, label in W_BANDS if w < bound), W_TOP_BAND)


def agreement_band(typical_share: float) -> str:
    """How strongly groups agree on a pair, from the typical share on the common side."""
    return next(
        (label for bound, label in AGREEMENT_BANDS if typical_share < bound), AGREEMENT_TOP_BAND
    )


def ranking(block: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Outcomes of a block (overall or a group) by priority, largest first."""
    weights = block["weights"]
    ranks = competition_ranks(weights)
    intervals = block.get("intervals") or {}
    rows = [
        {
            "outcome": o,
            "weight": w,
            "interval": intervals.get(o),
            "rank": ranks[o][0],
        }
        for o, w in weights.items()
        if w is not None
    ]
    return sorted(rows, key=lambda r: (-r["weight"], r["outcome"]))


def outcome_sentences(view: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One plain sentence per outcome: where it ranks for each group shown.

    "Prevention ranks first for every group."; "Efficiency ranks first for Funders but
    sixth for Service users." With a single group shown, its rank and priority.
    """
    groups = view.get("groups") or {}
    group_ranks = {name: competition_ranks(g["weights"]) for name, g in groups.items()}
    overall = competition_ranks(view["overall"]["weights"])
    out = []
    for row in ranking(view["overall"]):
        o = row["outcome"]
        by_group = {name: ranks[o] for name, ranks in group_ranks.items() if o in ranks}
        if len(by_group) < 2:
            text = f"{o} ranks {rank_words(overall[o])}, with {percent(row['weight'], 1)}."
            same = False
        else:
            positions = {r[0] for r in by_group.values()}
            same = len(positions) == 1
            if same:
                text = f"{o} ranks {rank_words(next(iter(by_group.values())))} for every group."
            else:
                best, worst = min(positions), max(positions)
                text = (
                    f"{o} ranks {_ranked(by_group, best)} but {_ranked(by_group, worst)}."
                    f" Overall it ranks {rank_words(overall[o])}."
                )
        out.append({"outcome": o, "text": text, "same_for_all": same, "ranks": by_group})
    return out


def _ranked(by_group: Mapping[str, tuple[int, bool]], position: int) -> str:
    names = [g for g, r in by_group.items() if r[0] == position]
    tied = any(by_group[g][1] for g in names)
    return f"{rank_words((position, tied))} for {join_names(names)}"


def _sides(pair: Mapping[str, Any], groups: Iterable[str]) -> dict[str, list[str]]:
    """Visible groups that clearly favour a, clearly favour b, or neither.

    A group takes a side when the engine's test shows it (``group_sides``, controlled
    over all pairs and groups); in older reports without it, when its interval for the
    mean log judgment lies wholly on that side of 0, else by the sign of its mean.
    """
    sides: dict[str, list[str]] = {"a": [], "b": [], "neither": []}
    intervals = pair.get("group_intervals")
    tested = pair.get("group_sides")
    for g in groups:
        mean = pair["group_means"].get(g)
        if mean is None:
            continue
        if tested is not None:
            sides[tested.get(g) or "neither"].append(g)
            continue
        if intervals is not None:
            low, high = intervals.get(g) or (mean, mean)
        else:
            low = high = mean
        side = "a" if low > 0 else "b" if high < 0 else "neither"
        sides[side].append(g)
    return sides


def converging_pairs(
    view: Mapping[str, Any], answering_groups: Mapping[tuple[str, str], int]
) -> list[dict[str, Any]]:
    """Pairs on which every group shown clearly takes the same side, strongest first.

    Parameters
    ----------
    view : public view of a report
    answering_groups : how many groups (withheld ones included) answered each pair (a, b);
        the engine's convergence is a product over them, so its geometric mean is the
        typical share of a group on the common side.
    """
    groups = list(view.get("groups") or {})
    if len(groups) < 2:
        return []
    out = []
    for pair in view["pairs"]:
        sides = _sides(pair, groups)
        side = "a" if len(sides["a"]) == len(groups) else "b"
        if len(sides[side]) != len(groups):
            continue
        favours, over = (pair["a"], pair["b"]) if side == "a" else (pair["b"], pair["a"])
        share = pair["share_a"] if side == "a" else pair["share_b"]
        typical = pair["convergence"] ** (1 / max(answering_groups[pair["a"], pair["b"]], 1))
        band = agreement_band(typical)
        out.append(
            {
                "favours": favours,
                "over": over,
                "share": share,
                "typical_group_share": typical,
                "strength": band,
                "text": (
                    f"Every group puts {favours} above {over}: {percent(share)} of participants "
                    f"do, typically {percent(typical)} of each group ({band} agreement)."
                ),
            }
        )
    return sorted(out, key=lambda p: (-p["typical_group_share"], -p["share"]))


def conflicts(view: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Pairs on which groups shown stand on opposite sides, most divisive first."""
    groups = list(view.get("groups") or {})
    out = []
    for pair in view["pairs"]:
        sides = _sides(pair, groups)
        if not (sides["a"] and sides["b"]):
            continue
        a, b = pair["a"], pair["b"]
        text = (
            f"{a} against {b} divides the groups: {join_names(sides['a'])} put {a} first; "
            f"{join_names(sides['b'])} put {b} first."
        )
        if sides["neither"]:
            text += f" {join_names(sides['neither'])} lean neither way clearly."
        text += (
            f" {percent(pair['eta_squared'])} of the disagreement on this pair lies between groups."
        )
        out.append(
            {
                "a": a,
                "b": b,
                "for_a": sides["a"],
                "for_b": sides["b"],
                "neither": sides["neither"],
                "between_groups": pair["eta_squared"],
                "contested_within": pair["contested_within"],
                "text": text,
            }
        )
    return sorted(out, key=lambda p: -p["between_groups"])


def _top(weights: Mapping[str, float | None] | None) -> str | None:
    if not weights:
        return None
    known = {o: w for o, w in weights.items() if w is not None}
    return max(known, key=known.__getitem__) if known else None


def voice_weights(view: Mapping[str, Any]) -> dict[str, Any]:
    """The ranking under each way of counting voices, and what would change the top.

    Withheld when a group is below the anonymity threshold (the comparison would let a
    reader work out a small group's answers).
    """
    method = view["method"]
    by_weighting = view["overall"].get("by_weighting")
    if not by_weighting:
        return {
            "shown": False,
            "text": (
                "How the ranking depends on whose voice counts is not shown: a group is "
                f"smaller than {view['min_group_size']}, and the comparison would reveal "
                "its answers."
            ),
            "rows": [],
        }
    chosen = method["weighting"]
    rows = []
    for scheme, weights in by_weighting.items():
        if not weights:
            continue
        label = WEIGHTING_LABELS.get(scheme, scheme)
        if scheme == "custom":
            label += (
                " ("
                + ", ".join(f"{g} {percent(w)}" for g, w in method["group_weights"].items())
                + ")"
            )
        rows.append(
            {
                "scheme": scheme,
                "label": label,
                "chosen": scheme == chosen,
                "ranking": ranking({"weights": weights}),
                "top": _top(weights),
            }
        )
    tops = {r["top"] for r in rows}
    if len(tops) == 1:
        text = f"{rows[0]['top']} comes first however voices are counted."
    else:
        text = (
            "The top priority depends on whose voice counts: "
            + "; ".join(f"{r['top']} with {r['label'][0].lower()}{r['label'][1:]}" for r in rows)
            + "."
        )
    sensitivity = view.get("sensitivity") or {}
    flip = sensitivity.get("flip")
    flip_text = None
    if sensitivity.get("stable_top") is not None:
        top = _top(view["overall"]["weights"])
        flip_text = (
            f"{top} stays on top under {percent(sensitivity['stable_top'])} of all possible "
            "weightings of the groups."
        )
        if flip:
            moved = ", ".join(f"{g} {percent(w)}" for g, w in flip["weights"].items())
            flip_text += (
                f" The smallest change that puts another outcome on top moves "
                f"{percent(flip['distance'])} of the voice between groups (to {moved}): "
                f"{flip['new_top']} then comes first."
            )
        else:
            flip_text += " No weighting of the groups puts another outcome on top."
    return {"shown": True, "text": text, "flip_text": flip_text, "flip": flip, "rows": rows}


def consensus(block: Mapping[str, Any]) -> dict[str, Any]:
    """S* and Kendall's W of a block in words."""
    s, w = block.get("consensus"), block.get("kendall_w")
    band, wb = block.get("consensus_band"), w_band(w)
    text = None
    if s is not None:
        text = f"Consensus is {band} (S* = {percent(s)})"
        text += f"; the rankings agree {wb}ly (Kendall's W = {w:.2f})." if w is not None else "."
    return {
        "s_star": s,
        "band": band,
        "kendall_w": w,
        "w_band": wb,
        "text": text,
        "warnings": list(block.get("warnings") or []),
    }


def trend(rounds: Sequence[tuple[int, Mapping[str, Any]]]) -> dict[str, Any] | None:
    """How consensus moved over rounds, from ``(number, public view)`` in round order."""
    rows = [
        {"round": number, "top": _top(view["overall"]["weights"]), **consensus(view["overall"])}
        for number, view in rounds
        if "withheld" not in view
    ]
    if len(rows) < 2:
        return None
    first, last = rows[0], rows[-1]
    if first["s_star"] is None or last["s_star"] is None:
        return {"rows": rows, "text": None}
    verb = (
        "rose"
        if last["s_star"] > first["s_star"] + 0.005
        else "fell"
        if last["s_star"] < first["s_star"] - 0.005
        else "held steady"
    )
    text = (
        f"Consensus {verb} from {percent(first['s_star'])} ({first['band']}) in round "
        f"{first['round']} to {percent(last['s_star'])} ({last['band']}) in round {last['round']}."
    )
    return {"rows": rows, "text": text}


def in_brief(view: Mapping[str, Any], found: Mapping[str, Any]) -> list[str]:
    """The summary's opening: the top priority and how sure it is, consensus, the deepest
    divide and whether whose voice counts changes the answer."""
    overall = view["overall"]
    top, *rest = found["ranking"]
    first = f"{top['outcome']} ranks first overall with {percent(top['weight'], 1)} of the priority"
    probabilities = overall.get("rank_probabilities")
    if rest and probabilities:
        ahead = probabilities[top["outcome"]][rest[0]["outcome"]]
        first += f", ahead of {rest[0]['outcome']} in {percent(ahead)} of bootstrap resamples"
    lines = [first + "."]
    if found["consensus"]["text"]:
        lines.append(found["consensus"]["text"])
    conflicts, pairs = found["conflicts"], view["pairs"]
    if conflicts:
        deepest = conflicts[0]
        lines.append(
            f"{len(conflicts)} of {len(pairs)} pairs of outcomes divide the groups; the deepest "
            f"divide is {deepest['a']} against {deepest['b']} ({join_names(deepest['for_a'])} "
            f"on one side, {join_names(deepest['for_b'])} on the other)."
        )
    elif len(view.get("groups") or {}) >= 2:
        lines.append("No pair of outcomes divides the groups.")
    if found["voice"]["shown"]:
        lines.append(found["voice"]["text"])
    return lines


def participation(report: Mapping[str, Any], view: Mapping[str, Any]) -> dict[str, Any]:
    """Who took part: counts and consistent answers per group shown, and in all."""
    people = report.get("participants") or []
    shown = view.get("groups") or {}
    rows = [
        {
            "group": name,
            "size": block["size"],
            "consistent": sum(p["consistent"] for p in people if p["group"] == name),
        }
        for name, block in shown.items()
    ]
    withheld = [g for g in view["withheld_groups"] if report["groups"][g]["size"] > 0]
    return {
        "groups": rows,
        "total": len(people),
        "included": view["overall"]["size"],
        "consistent": sum(p["consistent"] for p in people),
        "withheld_groups": withheld,
        "withheld_count": sum(report["groups"][g]["size"] for g in withheld),
        "excluded": view["method"]["excluded"],
        "skipped": view["method"]["skipped"],
        "k": view["min_group_size"],
    }


def summarise(
    report: Mapping[str, Any], k: int, earlier: Sequence[tuple[int, Mapping[str, Any]]] = ()
) -> dict[str, Any]:
    """Everything the board summary says, from the engine's full report.

    Parameters
    ----------
    report : the engine's report for the round (participants included)
    k : anonymity threshold: groups with fewer members are withheld
    earlier : ``(round number, full report)`` of the rounds to compare, in order, this
        round included, for how consensus moved

    Returns
    -------
    dict
        ``view`` (the public view), and, unless every aggregate is withheld,
        ``participation``, ``ranking``, ``outcomes``, ``converging_outcomes``,
        ``converging_pairs``, ``conflicts``, ``voice``, ``consensus``, ``groups``
        (per-group consensus), ``trend`` and ``in_brief`` (the opening sentences).
    """
    view = public_view(report, k)
    if "withheld" in view:
        return {"view": view, "withheld": view["withheld"]}
    answering: Counter[tuple[str, str]] = Counter()
    for pair in report["pairs"]:
        answering[pair["a"], pair["b"]] = sum(m is not None for m in pair["group_means"].values())
    sentences = outcome_sentences(view)
    found = {
        "view": view,
        "withheld": None,
        "participation": participation(report, view),
        "ranking": ranking(view["overall"]),
        "outcomes": sentences,
        "converging_outcomes": [s for s in sentences if s["same_for_all"]],
        "converging_pairs": converging_pairs(view, answering),
        "conflicts": conflicts(view),
        "voice": voice_weights(view),
        "consensus": consensus(view["overall"]),
        "groups": {name: consensus(block) for name, block in view["groups"].items()},
        "trend": trend([(n, public_view(r, k)) for n, r in earlier]),
    }
    found["in_brief"] = in_brief(view, found)
    return found


_SPACE = re.compile(r"\s+")


def normalise_reason(text: str) -> str:
    """A reason's comparison key: case, spacing and closing punctuation ignored."""
    return _SPACE.sub(" ", text).strip().rstrip(".!?;:, ").casefold()


def common_reasons(
    rows: Iterable[tuple[int, str, str, str, float, str]], groups: Iterable[str]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every reason given on each pair, merged by text, most frequent first per side and group.

    Parameters
    ----------
    rows : ``(judgment id, outcome a, outcome b, group, value, reason)`` of judgments with a
        reason; pairs in the report's order
    groups : the groups whose reasons may be shown (withheld groups left out)

    Returns
    -------
    dict
        ``(a, b)`` → list of ``{"favours", "group", "text", "count", "judgment_id"}`` (the
        first judgment that gave the text: what a facilitator features), never who gave it.
    """
    allowed = set(groups)
    found: dict[tuple[str, str, str, str], dict[str, dict[str, Any]]] = {}
    for judgment_id, a, b, group, value, reason in rows:
        key_text = normalise_reason(reason or "")
        if group not in allowed or not key_text or value == 1:
            continue
        favours = a if value > 1 else b
        texts = found.setdefault((a, b, favours, group), {})
        entry = texts.setdefault(
            key_text,
            {
                "favours": favours,
                "group": group,
                "text": _SPACE.sub(" ", reason).strip(),
                "count": 0,
                "judgment_id": judgment_id,
            },
        )
        entry["count"] += 1
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for (a, b, _, _), texts in sorted(found.items()):
        ranked = sorted(texts.items(), key=lambda kv: (-kv[1]["count"], kv[0]))
        out.setdefault((a, b), []).extend(entry for _, entry in ranked)
    return out


def pick_reasons(
    candidates: Sequence[dict[str, Any]], featured: Collection[int] = (), per_side: int = 2
) -> list[dict[str, Any]]:
    """The reasons to quote on a pair: the facilitator's featured ones if any, otherwise the
    ``per_side`` most frequent per side and group."""
    chosen = [c for c in candidates if c["judgment_id"] in featured]
    if chosen:
        return chosen
    kept: Counter[tuple[str, str]] = Counter()
    out = []
    for c in candidates:
        if kept[c["favours"], c["group"]] < per_side:
            kept[c["favours"], c["group"]] += 1
            out.append(c)
    return out
