"""The board's consensus summary in plain words, from an engine report.

Pure functions over report dicts: :func:`summarise` takes the engine's full report, keeps
only what :func:`deliberate.engine.public_view` lets a board see (groups below the
anonymity threshold withheld) and turns it into sentences and lists: the ranking, one
sentence per outcome, common ground, where groups conflict, how the answer depends on
whose voice counts, and how strong the consensus is.

Every sentence is built from the same few facts, each decided by one rule in one place,
so no two sentences can disagree:

- *clearly ahead* (:func:`clearly_ahead`): one outcome's 95% interval lies wholly above
  another's. An outcome's place is the range of ranks this leaves open for it
  (:func:`places`): outcomes whose intervals overlap share places ("4th–6th, too close
  to separate"); a difference the intervals do not support is never stated.
- *a group's side on a pair* (:func:`group_side`) and *a pair divides the groups*
  (:func:`divides`): the group's interval for its mean judgment lies on one side of 0;
  some group shown is clearly on each side, unless the engine's own flag says otherwise.
- *common ground* (:func:`common_side`): at least :data:`COMMON_GROUND_SHARE` of every
  group shown put the same outcome first.
- *whose voice counts* (:func:`voice_weights`): the largest share under each weighting
  the engine computed, named; the sweep over every split of voice, stated separately.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from ..engine import PublicView, Report, public_view
from ..engine.consensus import agreement_band as w_band
from ..engine.report import between_phrase, percent
from ..engine.types import Block, Pair, PublicReport
from .consultations import WEIGHTING_LABELS

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


#: Common ground: a pair on which at least this share of every group shown puts the same
#: outcome first (members counted one each, whatever the weighting).
COMMON_GROUND_SHARE = 0.75

#: How similar people's orders of the outcomes are, by Kendall's W band, in plain words.
ORDER_AGREEMENT = {
    "very weak": "very different orders",
    "weak": "quite different orders",
    "moderate": "partly similar orders",
    "strong": "similar orders",
    "very strong": "almost the same order",
}
#: W bands, and S* bands, under which the overall S* figure alone would mislead.
ORDER_WEAK = ("very weak", "weak", "moderate")
STRONG_CONSENSUS = ("moderate", "high", "very high")

#: The same weightings as a clause: "… whether each person has an equal say or …".
SAY = {
    "person": "each person has an equal say",
    "groups": "each group has an equal say",
    "custom": "the groups have the weights the facilitator set",
}

_TIE = 1e-9


def ordinal(rank: int) -> str:
    """``1`` → ``"first"``; past ten, ``"11th"``, ``"12th"``, ``"21st"``…"""
    if 1 <= rank <= len(ORDINALS):
        return ORDINALS[rank - 1]
    return numeral(rank)


def numeral(rank: int) -> str:
    """``1`` → ``"1st"``, ``2`` → ``"2nd"``, ``11`` → ``"11th"``, ``23`` → ``"23rd"``."""
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def points(x: float) -> str:
    """A share of priority as points out of 100 ("21"), the unit "In brief" explains."""
    return f"{100 * x:.0f}"


def join_names(names: Sequence[str], word: str = "and") -> str:
    """``["A", "B", "C"]`` → ``"A, B and C"`` (or ``word`` instead of "and")."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {word} {names[-1]}"


def competition_ranks(weights: Mapping[str, float | None]) -> dict[str, tuple[int, bool]]:
    """Each outcome's rank (1 + how many weigh more) and whether it shares that rank."""
    values = {o: w for o, w in weights.items() if w is not None}
    ranks: dict[str, tuple[int, bool]] = {}
    for outcome, w in values.items():
        above = sum(other > w + _TIE for other in values.values())
        tied = sum(abs(other - w) <= _TIE for other in values.values()) > 1
        ranks[outcome] = (above + 1, tied)
    return ranks


# ------------------------------------------------------------------ the facts, one rule each


def clearly_ahead(block: Mapping[str, Any], a: str, b: str) -> bool | None:
    """Whether the analysis supports "a weighs more than b" in a block (overall or a group).

    The one place the summary asks this: a's 95% interval lies wholly above b's. None when
    either interval was not computed (no bootstrap, or too few people).
    """
    intervals = block.get("intervals") or {}
    ia, ib = intervals.get(a), intervals.get(b)
    if ia is None or ib is None:
        return None
    return bool(ia[0] > ib[1])


def places(block: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """Each outcome's place: the range of ranks the analysis leaves open for it.

    From 1 + the outcomes clearly ahead of it to n − the outcomes it is clearly ahead of,
    so outcomes whose intervals overlap share places. Where intervals were not computed,
    only exact ties share a place (see :func:`measured`).
    """
    weights = {o: w for o, w in block["weights"].items() if w is not None}
    n = len(weights)
    out: dict[str, tuple[int, int]] = {}
    for o in weights:
        others = [other for other in weights if other != o]
        above = [clearly_ahead(block, other, o) for other in others]
        below = [clearly_ahead(block, o, other) for other in others]
        if None in above or None in below:
            lo = 1 + sum(w > weights[o] + _TIE for w in weights.values())
            hi = n - sum(w < weights[o] - _TIE for w in weights.values())
        else:
            lo, hi = 1 + sum(map(bool, above)), n - sum(map(bool, below))
        out[o] = (lo, hi)
    return out


def measured(block: Mapping[str, Any]) -> bool:
    """Whether every outcome of the block has an interval, so places say how sure we are."""
    intervals = block.get("intervals") or {}
    return bool(intervals) and all(
        intervals.get(o) is not None for o, w in block["weights"].items() if w is not None
    )


def group_side(pair: Pair, group: str) -> str | None:
    """``"a"`` or ``"b"`` when the group clearly favours that outcome of the pair, else None.

    The one place the summary asks this: the engine's test shows the group on that side
    (``group_sides``, false discovery rate controlled over all pairs and groups; see
    docs/METHODS.md). Reports without tested sides fall back to the group's 95% interval for
    its mean log judgment lying wholly on that side of 0. Without either, no side is claimed.
    """
    if pair["group_means"].get(group) is None:
        return None
    tested = pair.get("group_sides")
    if tested is not None:
        return tested.get(group)
    bounds = (pair.get("group_intervals") or {}).get(group)
    if bounds is None:
        return None
    return "a" if bounds[0] > 0 else "b" if bounds[1] < 0 else None


def _sides(pair: Pair, groups: Iterable[str]) -> dict[str, list[str]]:
    """Groups shown that clearly favour a, clearly favour b, or neither (answering ones)."""
    sides: dict[str, list[str]] = {"a": [], "b": [], "neither": []}
    for g in groups:
        if pair["group_means"].get(g) is not None:
            sides[group_side(pair, g) or "neither"].append(g)
    return sides


def divides(pair: Pair, groups: Iterable[str]) -> dict[str, list[str]] | None:
    """The sides of a pair that divides the groups shown, or None when it does not.

    A pair divides the groups when at least one group shown clearly favours each side and
    the engine's own pair-level conflict flag, where it gives one, does not say otherwise.
    """
    sides = _sides(pair, groups)
    if not (sides["a"] and sides["b"]) or pair.get("conflict_between_groups") is False:
        return None
    return sides


def shared_side(pair: Pair, groups: Sequence[str]) -> tuple[str, float] | None:
    """The side of a pair with the largest share of its members in every group shown, and
    that smallest share; None with fewer than two groups or a group that did not answer."""
    shares = pair["group_shares"]
    found = [share for g in groups if (share := shares.get(g)) is not None]
    if len(groups) < 2 or len(found) < len(groups):
        return None
    return max(((side, min(s[side] for s in found)) for side in ("a", "b")), key=lambda x: x[1])


def common_side(pair: Pair, groups: Sequence[str]) -> tuple[str, float] | None:
    """The side at least :data:`COMMON_GROUND_SHARE` of every group shown takes, with the
    smallest such share; None when some group falls short or did not answer."""
    found = shared_side(pair, groups)
    return found if found is not None and found[1] >= COMMON_GROUND_SHARE - _TIE else None


# ------------------------------------------------------------------ sentences from the facts


def place_words(place: tuple[int, int]) -> str:
    """``(1, 1)`` → ``"first"``; ``(1, 2)`` → ``"first or second"``; ``(4, 6)`` →
    ``"fourth to sixth"``."""
    lo, hi = place
    if lo == hi:
        return ordinal(lo)
    return f"{ordinal(lo)} {'or' if hi == lo + 1 else 'to'} {ordinal(hi)}"


def place_short(place: tuple[int, int]) -> str:
    """``(1, 1)`` → ``"1st"``; ``(4, 6)`` → ``"4th–6th"``."""
    lo, hi = place
    return numeral(lo) if lo == hi else f"{numeral(lo)}–{numeral(hi)}"


def ranking(block: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Outcomes of a block (overall or a group) by priority, largest first, with places.

    Each row: ``outcome``, ``weight``, ``interval``, ``rank`` (by the point estimate),
    ``place`` (lo, hi), ``place_text`` ("4th–6th") and ``close`` (the outcomes it is too
    close to separate from).
    """
    weights = block["weights"]
    ranks = competition_ranks(weights)
    where = places(block)
    intervals = block.get("intervals") or {}
    rows = []
    for o, w in weights.items():
        if w is None:
            continue
        lo, hi = where[o]
        rows.append(
            {
                "outcome": o,
                "weight": w,
                "interval": intervals.get(o),
                "rank": ranks[o][0],
                "place": (lo, hi),
                "place_text": place_short((lo, hi)),
                "close": [
                    other
                    for other, (olo, ohi) in where.items()
                    if other != o and olo <= hi and ohi >= lo and _overlap(block, o, other)
                ],
            }
        )
    return sorted(rows, key=lambda r: (-r["weight"], r["outcome"]))


def _overlap(block: Mapping[str, Any], a: str, b: str) -> bool:
    """Neither outcome clearly ahead of the other (unmeasured: exactly tied)."""
    if measured(block):
        return not clearly_ahead(block, a, b) and not clearly_ahead(block, b, a)
    return abs(block["weights"][a] - block["weights"][b]) <= _TIE


def _overall_clause(row: Mapping[str, Any]) -> str:
    words = place_words(row["place"])
    if not row["close"]:
        return words
    return f"{words}, too close to separate from {join_names(row['close'])}"


def outcome_sentences(view: PublicReport) -> list[dict[str, Any]]:
    """One plain sentence per outcome: its place overall and for each group shown.

    "Prevention is first for every group."; "Efficiency is first for Funders but sixth or
    seventh for Service users. Overall it is third to sixth, too close to separate from
    Equity and Accountability." Groups without intervals are left out; with fewer than two
    groups left, the overall place and points.
    """
    groups = view.get("groups") or {}
    # A group's places are stated only where its intervals were computed.
    group_places = {name: places(g) for name, g in groups.items() if measured(g)}
    group_ranks = {name: competition_ranks(g["weights"]) for name, g in groups.items()}
    out = []
    for row in ranking(view["overall"]):
        o = row["outcome"]
        by_group = {name: p[o] for name, p in group_places.items() if o in p}
        if len(by_group) < 2:
            text = (
                f"{o} is {place_words(row['place'])} overall, with {points(row['weight'])} points."
            )
            if row["close"]:
                text += f" It is too close to separate from {join_names(row['close'])}."
        elif len(set(by_group.values())) == 1:
            text = f"{o} is {place_words(next(iter(by_group.values())))} for every group."
            text += f" Overall it is {_overall_clause(row)}."
        else:
            best = min(by_group.values())
            worst = max(by_group.values(), key=lambda p: (p[1], p[0]))
            text = (
                f"{o} is {_placed(by_group, best)} but {_placed(by_group, worst)}."
                f" Overall it is {_overall_clause(row)}."
            )
        ranks = {name: r[o] for name, r in group_ranks.items() if o in r}
        out.append({"outcome": o, "text": text, "places": by_group, "ranks": ranks})
    return out


def _placed(by_group: Mapping[str, tuple[int, int]], place: tuple[int, int]) -> str:
    names = [g for g, p in by_group.items() if p == place]
    return f"{place_words(place)} for {join_names(names)}"


def common_ground(view: PublicReport, closest: bool = False) -> list[dict[str, Any]]:
    """Pairs on which every group shown agrees, by the stated rule, strongest first.

    A pair is common ground when at least :data:`COMMON_GROUND_SHARE` of the members of
    every group shown put the same outcome first (:func:`common_side`). With ``closest``,
    every pair that groups answered, whether it meets the rule or not.
    """
    groups = list(view.get("groups") or {})
    rule = shared_side if closest else common_side
    out = []
    for pair in view["pairs"]:
        found = rule(pair, groups)
        if found is None:
            continue
        side, least = found
        favours, over = (pair["a"], pair["b"]) if side == "a" else (pair["b"], pair["a"])
        share = pair["share_a"] if side == "a" else pair["share_b"]
        # Rounded down, so "at least" stays true.
        floor = int(100 * least + 1e-9)
        out.append(
            {
                "favours": favours,
                "over": over,
                "share": share,
                "least_group_share": least,
                "at_least": floor,
                "text": (
                    f"{favours} over {over}: in every group, at least {floor} in 100 put "
                    f"{favours} first ({percent(share, 0)} of everyone)."
                ),
            }
        )
    return sorted(out, key=lambda p: (-p["least_group_share"], -p["share"]))


def conflicts(view: PublicReport) -> list[dict[str, Any]]:
    """Pairs that divide the groups shown (:func:`divides`), most divisive first."""
    groups = list(view.get("groups") or {})
    out = []
    for pair in view["pairs"]:
        sides = divides(pair, groups)
        if sides is None:
            continue
        a, b = pair["a"], pair["b"]
        between = pair.get("omega_squared", pair["eta_squared"])  # unbiased where reported
        text = (
            f"{a} against {b} divides the groups: {join_names(sides['a'])} put {a} first; "
            f"{join_names(sides['b'])} put {b} first."
        )
        if sides["neither"]:
            text += f" {join_names(sides['neither'])} lean neither way clearly."
        text += f" {between_phrase(pair).capitalize()}."
        out.append(
            {
                "a": a,
                "b": b,
                "for_a": sides["a"],
                "for_b": sides["b"],
                "neither": sides["neither"],
                "between_groups": between,
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


def voice_weights(view: PublicReport) -> dict[str, Any]:
    """The ranking under each named way of counting voices, and over every group weighting.

    ``text`` speaks only of the weightings the engine computed and names them; the sweep
    over every split of voice between the groups is ``range_text``. Withheld when a group
    is below the anonymity threshold (the comparison would reveal its answers).
    """
    method = view["method"]
    by_weighting = view["overall"]["by_weighting"]
    group_weights = method["group_weights"]
    if not by_weighting or group_weights is None:
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
    rows: list[dict[str, Any]] = []
    for scheme, weights in by_weighting.items():
        if not weights:
            continue
        label = WEIGHTING_LABELS.get(scheme, scheme)
        if scheme == "custom":
            label += (
                " (" + ", ".join(f"{g} {percent(w, 0)}" for g, w in group_weights.items()) + ")"
            )
        rows.append(
            {
                "scheme": scheme,
                "label": label,
                "say": SAY.get(scheme, label),
                "chosen": scheme == chosen,
                "ranking": ranking({"weights": weights}),
                "top": _top(weights),
            }
        )
    tops = {r["top"] for r in rows}
    count = {1: "the one way", 2: "both ways"}.get(len(rows), f"all {len(rows)} ways")
    if len(tops) == 1:
        text = (
            f"{rows[0]['top']} has the largest share under {count} of counting voices "
            f"shown here: whether {join_names([r['say'] for r in rows], 'or')}."
        )
        if places(view["overall"]).get(rows[0]["top"]) != (1, 1):
            text += " It does not lead by a clear margin."
    else:
        text = "The outcome with the largest share depends on whose voice counts: " + (
            "; ".join(f"{r['top']} when {r['say']}" for r in rows) + "."
        )
    sensitivity = view["sensitivity"]
    swept = sensitivity if "stable_top" in sensitivity else None  # not withheld
    flip = swept["flip"] if swept else None
    stable_top = swept["stable_top"] if swept else None
    range_text = None
    if stable_top is not None:
        top = _top(view["overall"]["weights"])
        range_text = (
            f"Over every possible split of voice between the groups, {top} keeps the "
            f"largest share in {points(stable_top)} of every 100 splits."
        )
        if flip:
            moved = ", ".join(f"{g} {points(w)}" for g, w in flip["weights"].items())
            range_text += (
                f" The smallest change that gives another outcome the largest share moves "
                f"{points(flip['distance'])} in every 100 votes between groups (to {moved} of "
                f"every 100): {flip['new_top']} then has the largest share."
            )
        else:
            range_text += " No split of voice between the groups gives another outcome the lead."
    return {
        "shown": True,
        "text": text,
        "range_text": range_text,
        "flip": flip,
        "stable_top": stable_top,
        "rows": rows,
    }


def consensus(block: Block) -> dict[str, Any]:
    """How far people agree, in words, and the figures (S*, Kendall's W) behind them.

    ``plain`` has no symbol; ``advice`` says what to read instead when the overall figure
    looks better than the rankings' agreement (S* moderate or better, W below strong).
    """
    s, w = block.get("consensus"), block.get("kendall_w")
    band, wb = block.get("consensus_band"), w_band(w)
    text = plain = advice = None
    if s is not None:
        text = f"Consensus is {band} (S* = {percent(s, 0)})"
        text += f"; the rankings agree {wb}ly (Kendall's W = {w:.2f})." if w is not None else "."
        plain = f"Overall agreement is {band}"
        if wb is not None:
            plain += f", and people put the outcomes in {ORDER_AGREEMENT[wb]}"
        plain += "."
        if wb in ORDER_WEAK and band in STRONG_CONSENSUS:
            advice = (
                "The overall figure hides real splits, so read the group results, not just "
                "the overall order."
            )
    return {
        "s_star": s,
        "band": band,
        "kendall_w": w,
        "w_band": wb,
        "text": text,
        "plain": plain,
        "advice": advice,
        "warnings": list(block.get("warnings") or []),
    }


def trend(rounds: Sequence[tuple[int, PublicView]]) -> dict[str, Any] | None:
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
        f"Consensus {verb} from {percent(first['s_star'], 0)} ({first['band']}) in round "
        f"{first['round']} to {percent(last['s_star'], 0)} ({last['band']}) "
        f"in round {last['round']}."
    )
    return {"rows": rows, "text": text}


def in_brief(view: PublicReport, found: Mapping[str, Any]) -> list[dict[str, str]]:
    """The summary's opening: three to five plain sentences, each with a link to its figures.

    Built from the same facts as the rest of the page: who could be first, what is too
    close to separate, how far people agree, the deepest divide, and whose voice counts.
    Each item: ``text``, ``href`` (the section with its figures and method), ``link``.
    """
    rows = found["ranking"]
    n = len(rows)
    sure = measured(view["overall"])
    first = [r for r in rows if r["place"][0] == 1] or rows[:1]
    lines = []
    scale = f"of 100 points of importance shared across the {n} outcomes"
    # When another way of counting voices puts another outcome on top, say which way this is.
    counted = found["voice"]["rows"]
    when = ""
    if len({r["top"] for r in counted}) > 1:
        when = next((f" when {r['say']}" for r in counted if r["chosen"]), "")
    if len(first) == n > 2 and sure:
        low, high = points(rows[-1]["weight"]), points(rows[0]["weight"])
        text = (
            f"No outcome is clearly ahead of another: {scale}, each gets between {low} and "
            f"{high}. There are too few answers, or they are too close, to tell them apart."
        )
    elif len(first) == 1:
        text = (
            f"{first[0]['outcome']} matters most{when}: {scale}, it gets "
            f"{points(first[0]['weight'])}"
        )
        text += ", clearly more than any other." if sure else "."
    else:
        text = (
            f"{join_names([r['outcome'] for r in first])} matter most{when}: {scale}, they get "
            f"{join_names([points(r['weight']) for r in first])}. They are too close to "
            "separate."
        )
    if not sure:
        text += " How sure this order is was not measured for this round."
    lines.append({"text": text, "href": "#priorities-title", "link": "See the ranking"})

    last = [r for r in rows if r["place"][1] == n and r not in first]
    middle = [r for r in rows if r not in first and r not in last]
    if last:
        if len(last) == 1:
            text = f"{last[0]['outcome']} matters least, with {points(last[0]['weight'])} points."
        else:
            text = (
                f"{join_names([r['outcome'] for r in last])} could each be last: they are too "
                "close to separate."
            )
        shared = [r["outcome"] for r in middle if r["place"][0] != r["place"][1]]
        if middle and len(shared) == len(middle):
            text += f" The {len(middle)} in between are too close to put in a firm order."
        elif shared:
            verb = "is" if len(shared) == 1 else "are"
            text += f" {join_names(shared)} {verb} too close to others to put in a firm order."
        elif middle:
            text += " The others fall in a clear order in between."
        lines.append({"text": text, "href": "#priorities-title", "link": "See each outcome"})

    agreement = found["consensus"]
    if agreement["plain"]:
        text = agreement["plain"] + (f" {agreement['advice']}" if agreement["advice"] else "")
        lines.append({"text": text, "href": "#consensus-title", "link": "How far people agree"})

    split, pairs = found["conflicts"], view["pairs"]
    if split:
        deepest = split[0]
        text = (
            f"The groups split on {len(split)} of the {len(pairs)} pairs. The widest gap is "
            f"{deepest['a']} against {deepest['b']}: {join_names(deepest['for_a'])} favour "
            f"{deepest['a']}, and {join_names(deepest['for_b'])} favour {deepest['b']}."
        )
        lines.append({"text": text, "href": "#conflict-title", "link": "Where groups split"})
    elif len(view.get("groups") or {}) >= 2:
        lines.append(
            {
                "text": "No pair of outcomes splits the groups.",
                "href": "#conflict-title",
                "link": "Where groups split",
            }
        )

    voice = found["voice"]
    if voice["shown"]:
        rows_v = voice["rows"]
        tops = {r["top"] for r in rows_v}
        if len(tops) == 1:
            text = f"{rows_v[0]['top']} keeps the largest share whether "
            text += join_names([r["say"] for r in rows_v], "or")
            top = next(r for r in rows if r["outcome"] == rows_v[0]["top"])
            text += "." if top["place"] == (1, 1) else ", though not by a clear margin."
        else:
            text = "Who gets the largest share depends on whose voice counts: "
            text += join_names([f"{r['top']} if {r['say']}" for r in rows_v]) + "."
        if voice["flip"]:
            text += (
                f" Moving {points(voice['flip']['distance'])} in 100 votes between the groups "
                f"would give {voice['flip']['new_top']} the largest share."
            )
        lines.append({"text": text, "href": "#voice-title", "link": "Whose voice counts"})
    return lines[:5]


def participation(view: PublicReport) -> dict[str, Any]:
    """Who took part, as the public view tells it: people and consistent answers per group
    shown (None where a count would single out fewer than k people), and in all."""
    told = view["participation"]
    return {
        "groups": [{"group": name, **block} for name, block in told["groups"].items()],
        "total": told["answered"],
        "included": view["overall"]["size"],
        "consistent": told["consistent"],
        "withheld_groups": view["withheld_groups"],
        "excluded": view["method"]["excluded"],
        "skipped": view["method"]["skipped"],
        "k": view["min_group_size"],
    }


def summarise(report: Report, k: int, earlier: Sequence[tuple[int, Report]] = ()) -> dict[str, Any]:
    """Everything the board summary says, from the engine's full report.

    Parameters
    ----------
    report : the engine's report for the round (participants included), as
        :func:`deliberate.services.disclosure.publishable_report` gives it: analysed
        without the groups below ``k``, so no figure here depends on their members
    k : anonymity threshold: groups with fewer members are withheld
    earlier : ``(round number, report)`` of the rounds to compare, in order, this
        round included, for how consensus moved

    Returns
    -------
    dict
        ``view`` (the public view), and, unless every aggregate is withheld,
        ``participation``, ``ranking`` (with places), ``measured`` (whether intervals
        back the places), ``outcomes``, ``unplaced_groups`` (groups shown without
        intervals, so without places), ``common_ground`` (its rule
        ``common_ground_share``, and ``closest_ground``, the pair nearest to it),
        ``conflicts``, ``voice``, ``consensus``, ``groups`` (per-group consensus),
        ``trend`` and ``in_brief`` (the opening sentences).
    """
    view = public_view(report, k)
    if "withheld" in view:
        return {"view": view, "withheld": view["withheld"]}
    found = {
        "view": view,
        "withheld": None,
        "participation": participation(view),
        "ranking": ranking(view["overall"]),
        "measured": measured(view["overall"]),
        "outcomes": outcome_sentences(view),
        "unplaced_groups": [g for g, block in view["groups"].items() if not measured(block)],
        "common_ground": common_ground(view),
        "closest_ground": next(iter(common_ground(view, closest=True)), None),
        "common_ground_share": COMMON_GROUND_SHARE,
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
