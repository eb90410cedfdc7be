"""The full analysis of a judgment table: one plain-JSON report.

Everything is computed on whole stacks: individual priorities and consistency (§2–3),
group aggregation (§4), consensus (§5), the disagreement map (§6), bootstrap and
voice-weight sensitivity (§7) of docs/METHODS.md.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .aggregate import (
    AGGREGATES,
    WEIGHTINGS,
    Parts,
    aij,
    combine,
    group_totals,
    mix,
    pair_priorities,
    parts,
    to_pairs,
    voice_weights,
)
from .background import in_background
from .consensus import clr, consensus_band, distance_summary, goepel, kendall_w, ranks
from .consistency import RI_INCOMPLETE_NAME, RI_NAME, consistency_ratio
from .consistency import cr_threshold as default_cr_threshold
from .disagreement import (
    CLUSTER_REFERENCES,
    ClusterFit,
    PairStats,
    adjusted_rand,
    clusters,
    distinctive,
    pair_stats,
    pca_2d,
)
from .individual import Individuals, cut_off, finite_floats, individuals
from .inference import ALPHA, CONTESTED_SHARE, Sides, sides
from .judgments import JudgmentError, JudgmentTable, components
from .options import Appraisal, OutcomeWeights, aligned, appraise
from .priorities import METHODS, normalise_log
from .types import (
    Agreement,
    ClusterProfile,
    Clusters,
    Distinctive,
    GroupBlock,
    Method,
    Named,
    NamedIntervals,
    OutcomeRow,
    Overall,
    Pair,
    Participant,
    Report,
    Sensitivity,
    Side,
    Skipped,
    VoiceFlip,
)
from .uncertainty import (
    MIN_INTERVAL_SIZE,
    Bootstrap,
    Sweep,
    intervals,
    mean_intervals,
    rank_probabilities,
    sensitivity,
)
from .uncertainty import bootstrap as run_bootstrap

__all__ = ["analyze"]

#: The side a group is shown on, by the sign of its test.
_SIDES: dict[int, Side] = {1: "a", -1: "b"}
#: Kendall's W below this while S* is moderate or better triggers a warning.
LOW_W = 0.5
_MODERATE = 0.625


def _f(value: Any) -> float | None:
    """Plain float, None for NaN/inf/None."""
    if value is None:
        return None
    v = float(value)
    return v if np.isfinite(v) else None


def _named(names: Sequence[str], values: np.ndarray) -> Named:
    return {name: _f(v) for name, v in zip(names, values, strict=True)}


def _named_intervals(names: Sequence[str], bounds: np.ndarray | None) -> NamedIntervals | None:
    if bounds is None or not np.isfinite(bounds).any():
        return None
    return {
        name: None if not np.all(np.isfinite(b)) else [float(b[0]), float(b[1])]
        for name, b in zip(names, bounds, strict=True)
    }


def _ranks(names: Sequence[str], weights: np.ndarray) -> dict[str, float] | None:
    if not np.all(np.isfinite(weights)):
        return None
    return {name: float(r) for name, r in zip(names, ranks(weights), strict=True)}


def _agreement(weights: np.ndarray) -> Agreement:
    """Consensus block for a set of participants' priorities ``(K, n)`` (None below two)."""
    if weights.shape[0] < 2:
        return {
            "consensus": None,
            "consensus_band": None,
            "homogeneity": None,
            "kendall_w": None,
            "kendall_p": None,
            "distances": None,
            "warnings": [],
        }
    s_star, s = goepel(weights)
    w, p = kendall_w(weights)
    warnings = []
    if w is not None and s_star > _MODERATE and w < LOW_W:
        warnings.append(
            f"consensus S* is {consensus_band(s_star)} ({s_star:.0%}) but the rankings "
            f"barely agree (Kendall's W = {w:.2f}): read S* with care"
        )
    return {
        "consensus": s_star,
        "consensus_band": consensus_band(s_star),
        "homogeneity": s,
        "kendall_w": w,
        "kendall_p": p,
        "distances": distance_summary(clr(weights))[1],
        "warnings": warnings,
    }


def _check_options(priority: str, aggregate: str, weighting: str, on_disconnected: str) -> None:
    for value, allowed, what in (
        (priority, METHODS, "priority method"),
        (aggregate, AGGREGATES, "aggregate"),
        (weighting, WEIGHTINGS, "weighting"),
        (on_disconnected, ("error", "skip"), "on_disconnected"),
    ):
        if value not in allowed:
            raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")


def _disconnected(table: JudgmentTable) -> tuple[np.ndarray, list[Skipped]]:
    """Connected participants ``(K,)`` and, for the others, the cut-off outcomes."""
    reach = components(table.mask)
    connected = reach[:, 0, :].all(-1)
    skipped: list[Skipped] = [
        {
            "id": table.participants[k],
            "group": table.groups[table.group_index[k]],
            "cut_off": cut_off(reach[k], table.outcomes),
        }
        for k in np.flatnonzero(~connected)
    ]
    return np.asarray(connected, dtype=bool), skipped


def analyze(
    table: JudgmentTable,
    *,
    priority: str = "ev",
    aggregate: str = "aij",
    weighting: str = "person",
    group_weights: Mapping[str, float] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    cr_threshold: float | None = None,
    exclude_inconsistent: bool = False,
    on_disconnected: str = "error",
    appraisal: Appraisal | None = None,
    synthesis: str = "distributive",
    option_costs: Mapping[str, float] | None = None,
    processes: int = 1,
) -> Report:
    """Analyse a judgment table.

    Parameters
    ----------
    table : JudgmentTable
    priority : {"ev", "rgm"}
        Eigenvector (Harker's where a matrix is incomplete) or row geometric mean (LLSM
        where incomplete).
    aggregate : {"aij", "aip"}
        Aggregate individual judgments or priorities.
    weighting : {"person", "groups", "custom"}
        Voice weights: one person one voice, each group an equal voice, or custom group
        weights (``group_weights``, normalised over groups with members).
    group_weights : mapping of group name to weight, optional
        For ``custom``; when given with another weighting it fills
        ``overall.by_weighting.custom``.
    bootstrap : int
        Stratified resamples (0 skips the bootstrap: intervals are None).
    seed : int
        Seeds the bootstrap, the clustering sample and the sensitivity sample.
    cr_threshold : float, optional
        Acceptable Saaty CR; default by n (0.05 n = 3, 0.08 n = 4, 0.10 n ≥ 5).
    exclude_inconsistent : bool
        Leave participants above the threshold out of every aggregate.
    on_disconnected : {"error", "skip"}
        A participant whose comparison graph is disconnected raises `JudgmentError`
        naming the cut-off outcomes, or is left out and listed in ``method.skipped``.
    appraisal : Appraisal, optional
        Assessors' appraisal of options against these outcomes: adds ``options``
        (`deliberate.engine.options.appraise`).
    synthesis : {"distributive", "ideal"}
        How local priorities of options are normalised.
    option_costs : mapping of option to annual cost, optional
        For value for money and the efficient frontier.
    processes : int
        With 2 or more, the opinion clusters are computed in a forked child process while
        this one computes the rest (the same report, sooner). Only from a single-threaded
        program, such as the command line.

    Returns
    -------
    dict
        Plain JSON-serialisable report (see `deliberate.engine.report`).

    Raises
    ------
    JudgmentError
        Disconnected comparison graph with ``on_disconnected="error"``.
    ValueError
        Invalid options (unknown method names, bad group weights, negative bootstrap).
    """
    _check_options(priority, aggregate, weighting, on_disconnected)
    if bootstrap < 0:
        raise ValueError("bootstrap must be 0 or more resamples")
    connected, skipped = _disconnected(table)
    if skipped and on_disconnected == "error":
        first = skipped[0]
        raise JudgmentError(
            f"participant {first['id']!r}: the comparisons do not connect all outcomes; "
            f"cut off: {', '.join(first['cut_off'] or ())} (compare them with the others)"
        )
    t = table if connected.all() else table.subset(connected)
    names, groups = t.outcomes, t.groups

    # §2–3 individual priorities and consistency, one vectorised pass.
    own = individuals(t.log_judgments, t.mask, priority, cr_threshold)
    included = own.consistent if exclude_inconsistent else np.ones(t.size, dtype=bool)
    points = clr(own.weights)
    # §4 aggregation on the included participants.
    agg = _aggregate(t, own.weights, included, priority, aggregate, weighting, group_weights)
    # §6 opinion clusters, in a second process meanwhile when there is one.
    with in_background(clusters, points[agg.inc], seed, processes=processes) as found:
        # §7 bootstrap.
        boot: Bootstrap | None = None
        if bootstrap and agg.have:
            boot = run_bootstrap(
                agg.x,
                agg.m,
                agg.log_w,
                agg.members,
                agg.totals,
                method=priority,
                aggregate=aggregate,
                resamples=bootstrap,
                seed=seed,
                by_group=agg.by_group,
            )
        # §6 pairs.
        stats = pair_stats(agg.x, agg.m, agg.alpha, agg.gi, len(groups)) if agg.have else None
        groups_out = _groups(agg, boot, stats, names, groups)
        overall = _overall(agg, boot, names)
        memo: dict[tuple, np.ndarray] = {}  # outcome weights the options' sweep reuses
        sweep_of = functools.partial(
            sensitivity,
            agg.gparts,
            agg.totals,
            agg.sizes,
            n=t.n,
            method=priority,
            aggregate=aggregate,
            seed=seed,
            by_group=agg.by_group,
            memo=memo,
        )
        swept = _sensitivity(sweep_of() if agg.have else None, names, groups, weighting)
        report: Report = {
            "outcomes": list(names),
            "method": _method(
                t,
                agg,
                included,
                skipped,
                priority=priority,
                incomplete=int((~own.complete).sum()),
                aggregate=aggregate,
                weighting=weighting,
                cr_threshold=cr_threshold,
                threshold=own.threshold,
                exclude_inconsistent=exclude_inconsistent,
                bootstrap=bootstrap,
                seed=seed,
            ),
            "participants": _participants(t, own, points, included, agg),
            "groups": groups_out,
            "overall": overall,
            "by_outcome": _by_outcome(names, overall, groups_out),
            "pairs": _pairs(
                names,
                groups,
                stats,
                sides(agg.x, agg.m, agg.gi, len(groups)),
                mean_intervals(agg.x, agg.m, agg.gi, len(groups)),
            )
            if stats is not None
            else [],
            "clusters": _clusters(t, agg.inc, points, found.result(), agg.gi, names, groups),
            "sensitivity": swept,
        }
        if appraisal is not None:
            stakeholders = OutcomeWeights(
                overall=agg.overall_w,
                groups=np.array(agg.group_w).reshape(len(groups), t.n),
                group_names=tuple(groups),
                by_weighting={
                    s: None if v is None else np.array([v[o] for o in names], dtype=float)
                    for s, v in agg.by_weighting.items()
                },
                boot_overall=boot.overall if boot else None,
                boot_groups=boot.groups if boot else None,
                sizes=agg.sizes,
                sweep=(lambda value: sweep_of(value=value)) if agg.have else None,
            )
            report["options"] = appraise(
                aligned(appraisal, names),
                stakeholders,
                synthesis=synthesis,
                costs=option_costs,
                seed=seed,
            )
    return report


@dataclass(frozen=True)
class _Aggregation:
    """§4: the included participants' judgments as pairs, and the aggregated priorities."""

    n: int
    priority: str
    inc: np.ndarray  # (K',) indices of the included participants
    x: np.ndarray  # their log judgments by pair
    m: np.ndarray  # and which pairs they answered
    log_w: np.ndarray  # (K', n) their own log priorities
    gi: np.ndarray  # (K',) group index
    members: list[np.ndarray]  # per group, positions in ``inc``
    sizes: np.ndarray  # (G,)
    totals: np.ndarray  # (G,) total voice of each group
    alpha: np.ndarray  # (K',) voice of each person
    by_group: bool
    gparts: list[Parts]
    overall_parts: Parts
    overall_w: np.ndarray  # (n,)
    group_w: list[np.ndarray]  # G × (n,)
    by_weighting: dict[str, Named | None]

    @property
    def have(self) -> bool:
        """Whether anybody is included."""
        return self.inc.size > 0

    def consistency(self, p: Parts) -> tuple[float | None, float | None]:
        """lambda_max and CR of the aggregated (AIJ) matrix of ``p``."""
        if not self.have:
            return None, None
        x_g, m_g = aij(p.num, p.den)
        lam_g = pair_priorities(x_g, m_g, self.n, self.priority)[1]
        return _f(lam_g[0]), _f(consistency_ratio(lam_g, self.n, missing=(~m_g).sum(1))[0])


def _aggregate(
    t: JudgmentTable,
    weights: np.ndarray,
    included: np.ndarray,
    priority: str,
    aggregate: str,
    weighting: str,
    group_weights: Mapping[str, float] | None,
) -> _Aggregation:
    """Group and overall priorities of the included participants, under every weighting."""
    names, groups, n, G = t.outcomes, t.groups, t.n, len(t.groups)
    inc = np.flatnonzero(included)
    x, m = to_pairs(t.log_judgments[inc], t.mask[inc])
    log_w = np.log(weights[inc])
    gi = t.group_index[inc]
    members = [np.flatnonzero(gi == g) for g in range(G)]
    sizes = np.array([idx.size for idx in members])
    have = inc.size > 0
    totals = group_totals(gi, groups, weighting, group_weights) if have else np.zeros(G)
    alpha = voice_weights(gi, totals) if have else np.zeros(0)

    def group_part(g: int) -> Parts:
        idx = members[g]
        if idx.size == 0:
            return Parts(np.zeros((1, x.shape[1])), np.zeros((1, x.shape[1])), np.zeros((1, n)))
        return parts(np.full((1, idx.size), 1.0 / idx.size), x[idx], m[idx], log_w[idx])

    gparts = [group_part(g) for g in range(G)]
    by_group = weighting != "person"
    overall_parts = mix(totals[None, :], gparts, by_group=by_group)
    by_weighting: dict[str, Named | None] = {}
    for scheme in WEIGHTINGS:
        custom = group_weights if scheme == "custom" else None
        if not have or (scheme == "custom" and not group_weights):
            by_weighting[scheme] = None
            continue
        tot = group_totals(gi, groups, scheme, custom)
        mixed = mix(tot[None, :], gparts, by_group=scheme != "person")
        by_weighting[scheme] = _named(names, combine(mixed, n, priority, aggregate)[0])
    return _Aggregation(
        n=n,
        priority=priority,
        inc=inc,
        x=x,
        m=m,
        log_w=log_w,
        gi=gi,
        members=members,
        sizes=sizes,
        totals=totals,
        alpha=alpha,
        by_group=by_group,
        gparts=gparts,
        overall_parts=overall_parts,
        overall_w=combine(overall_parts, n, priority, aggregate)[0] if have else np.full(n, np.nan),
        group_w=[
            combine(gparts[g], n, priority, aggregate)[0] if sizes[g] else np.full(n, np.nan)
            for g in range(G)
        ],
        by_weighting=by_weighting,
    )


def _method(
    t: JudgmentTable,
    agg: _Aggregation,
    included: np.ndarray,
    skipped: list[Skipped],
    *,
    priority: str,
    incomplete: int,
    aggregate: str,
    weighting: str,
    cr_threshold: float | None,
    threshold: float,
    exclude_inconsistent: bool,
    bootstrap: int,
    seed: int,
) -> Method:
    """The options used and the wording of each method."""
    return {
        "priority": priority,
        "priority_method": _priority_note(priority, incomplete),
        "aggregate": aggregate,
        "aggregate_method": (
            "AIJ: weighted geometric mean of judgments (Aczél & Saaty 1983), "
            + (
                "weights renormalised over those who answered each pair"
                if not agg.by_group
                else "within each group first (over members who answered the pair), "
                "then across groups at their weights"
            )
            if aggregate == "aij"
            else "AIP: normalised weighted geometric mean of priorities (Forman & Peniwati 1998)"
        ),
        "weighting": weighting,
        "group_weights": _named(t.groups, agg.totals),
        "random_index": RI_NAME,
        "random_index_incomplete": RI_INCOMPLETE_NAME,
        "cr_threshold": threshold,
        "cr_threshold_source": "given" if cr_threshold is not None else "Saaty 1994 by n",
        "default_cr_threshold": default_cr_threshold(t.n),
        "exclude_inconsistent": bool(exclude_inconsistent),
        "bootstrap": int(bootstrap),
        "seed": int(seed),
        "excluded": [t.participants[k] for k in np.flatnonzero(~included)],
        "skipped": skipped,
        "overall_consistency": "lambda_max and cr of the aggregated (AIJ) judgment matrix",
        "consensus": "Goepel S* (AHP-OS), unweighted over participants; Kendall's W with ties",
        "suggestion": "nearest value on Saaty's scale to w_a/w_b in log terms",
        "shares": "shares of voice under the chosen weighting, over those who answered",
        "conflict_rule": (
            "conflict between groups: one group shown to favour each side (sign-flip "
            "test of each group's mean log judgment, Benjamini-Hochberg over pairs x "
            f"groups, false discovery rate {ALPHA:.0%}); contested within: at least "
            f"{CONTESTED_SHARE:.0%} of the group shown on each side (exact binomial, "
            f"Benjamini-Hochberg, {ALPHA:.0%}); between-group share: omega_squared "
            "(eta_squared beside its null expectation); conflict_score = "
            "omega_squared + 1 if in conflict between groups"
        ),
        "distinctive": (
            "Fisher's exact test of the group's share on a side against the rest's, one "
            f"side per pair, Benjamini-Hochberg over groups x pairs, {ALPHA:.0%}"
        ),
        "intervals": (
            "95% intervals: how far the priority could move in another sample of people "
            "like these (bootstrap standard error, t-based on the log scale); not "
            "judgment error within a person, not the choice of method; none below "
            f"{MIN_INTERVAL_SIZE} people"
        ),
        "min_interval_size": MIN_INTERVAL_SIZE,
    }


def _participants(
    t: JudgmentTable,
    own: Individuals,
    points: np.ndarray,
    included: np.ndarray,
    agg: _Aggregation,
) -> list[Participant]:
    """§5 each participant's own figures (``points``: their clr priorities) and distances
    to their group's and the overall centre (None for those left out)."""
    dist_group = np.full(t.size, np.nan)
    dist_overall = np.full(t.size, np.nan)
    if agg.have:
        dist_overall[agg.inc] = distance_summary(points[agg.inc])[0]
        for idx in agg.members:
            if idx.size:
                dist_group[agg.inc[idx]] = distance_summary(points[agg.inc[idx]])[0]
    d_group, d_overall = finite_floats(dist_group), finite_floats(dist_overall)
    # The rows read plain Python lists: indexing arrays once per row is slow.
    own_rows = own.entries(t.outcomes, t.log_judgments)
    group_of = [t.groups[g] for g in t.group_index.tolist()]
    included_of = included.tolist()
    return [
        {
            "id": t.participants[k],
            "group": group_of[k],
            **own_rows[k],
            "excluded": not included_of[k],
            "distance_to_group": d_group[k],
            "distance_to_overall": d_overall[k],
        }
        for k in range(t.size)
    ]


def _groups(
    agg: _Aggregation,
    boot: Bootstrap | None,
    stats: PairStats | None,
    names: Sequence[str],
    groups: Sequence[str],
) -> dict[str, GroupBlock]:
    """Each group's priorities, intervals, consistency, consensus and distinctive pairs."""
    out: dict[str, GroupBlock] = {}
    repness = distinctive(stats) if stats is not None else [[] for _ in groups]
    for g, name in enumerate(groups):
        idx = agg.members[g]
        lam_g, cr_g = agg.consistency(agg.gparts[g]) if idx.size else (None, None)
        out[name] = {
            "size": int(idx.size),
            "weights": _named(names, agg.group_w[g]),
            "intervals": _named_intervals(
                names,
                intervals(boot.groups[g], agg.group_w[g], int(idx.size)) if boot else None,
            )
            if idx.size
            else None,
            "ranks": _ranks(names, agg.group_w[g]),
            "lambda_max": lam_g,
            "cr": cr_g,
            **_agreement(np.exp(agg.log_w[idx])),
            "distinctive": [_distinctive_entry(names, stats, g, *entry) for entry in repness[g]]
            if stats is not None
            else [],
        }
    return out


def _overall(agg: _Aggregation, boot: Bootstrap | None, names: Sequence[str]) -> Overall:
    """Everyone's priorities, under each weighting, and the chance of each ranking."""
    lam_all, cr_all = agg.consistency(agg.overall_parts)
    overall_boot = boot.overall if boot else None
    return {
        "size": int(agg.inc.size),
        "weights": _named(names, agg.overall_w),
        "intervals": _named_intervals(
            names,
            intervals(
                overall_boot,  # type: ignore[arg-type]
                agg.overall_w,
                int(agg.inc.size),
                int((agg.sizes > 0).sum()),
            )
            if boot
            else None,
        ),
        "ranks": _ranks(names, agg.overall_w),
        "lambda_max": lam_all,
        "cr": cr_all,
        **_agreement(np.exp(agg.log_w)),
        "by_weighting": agg.by_weighting,
        # a resample of fewer people than an interval needs would claim certainty it lacks
        "rank_probabilities": None
        if overall_boot is None or agg.inc.size < MIN_INTERVAL_SIZE
        else {
            a: {b: _f(p) for b, p in zip(names, row, strict=True) if b != a}
            for a, row in zip(names, rank_probabilities(overall_boot), strict=True)
        },
    }


def _by_outcome(
    names: Sequence[str], overall: Overall, groups: Mapping[str, GroupBlock]
) -> list[OutcomeRow]:
    """Each outcome's weight, rank and interval overall and in every group."""
    return [
        {
            "outcome": name,
            "overall": {
                "weight": overall["weights"][name],
                "rank": (overall["ranks"] or {}).get(name),
                "interval": (overall["intervals"] or {}).get(name),
            },
            "groups": {
                gname: {
                    "weight": block["weights"][name],
                    "rank": (block["ranks"] or {}).get(name),
                    "interval": (block["intervals"] or {}).get(name),
                }
                for gname, block in groups.items()
            },
        }
        for name in names
    ]


def _priority_note(priority: str, incomplete: int) -> str:
    base = (
        "eigenvector (Saaty 1977)"
        if priority == "ev"
        else "row geometric mean (Crawford & Williams 1985)"
    )
    if not incomplete:
        return base
    extra = (
        "Harker's (1987) eigenvector" if priority == "ev" else "LLSM (Bozóki, Fülöp & Rónyai 2010)"
    )
    return f"{base}; {extra} for the {incomplete} incomplete matrices"


def _pairs(
    names: Sequence[str],
    groups: Sequence[str],
    stats: PairStats,
    tested: Sides,
    bounds: np.ndarray,
) -> list[Pair]:
    n = len(names)
    ii, jj = np.triu_indices(n, 1)
    out: list[Pair] = []
    for p, (i, j) in enumerate(zip(ii, jj, strict=True)):
        flag = bool(tested.conflict[p])
        omega = float(stats.omega_squared[p])
        out.append(
            {
                "a": names[i],  # type: ignore[call-overload]
                "b": names[j],  # type: ignore[call-overload]
                "n": int(stats.n[p]),
                "share_a": float(stats.share_a[p]),
                "share_b": float(stats.share_b[p]),
                "share_equal": float(stats.share_equal[p]),
                "polarisation": float(stats.polarisation[p]),
                "spread": float(stats.spread[p]),
                "eta_squared": float(stats.eta_squared[p]),
                "eta_squared_null": float(stats.eta_squared_null[p]),
                "omega_squared": omega,
                "group_means": {g: _f(stats.group_mean[k, p]) for k, g in enumerate(groups)},
                "group_n": {g: int(stats.group_n[k, p]) for k, g in enumerate(groups)},
                "group_intervals": {
                    g: None
                    if not np.all(np.isfinite(bounds[k, p]))
                    else [float(bounds[k, p, 0]), float(bounds[k, p, 1])]
                    for k, g in enumerate(groups)
                },
                "group_sides": {
                    g: _SIDES.get(int(tested.side[k, p])) for k, g in enumerate(groups)
                },
                "group_p": {g: _f(tested.p_value[k, p]) for k, g in enumerate(groups)},
                "group_shares": {
                    g: None
                    if not stats.group_n[k, p]
                    else {
                        "a": float(stats.group_for_a[k, p] / stats.group_n[k, p]),
                        "b": float(stats.group_for_b[k, p] / stats.group_n[k, p]),
                        "n": int(stats.group_n[k, p]),
                    }
                    for k, g in enumerate(groups)
                },
                "conflict_between_groups": flag,
                "conflict_p": _f(tested.conflict_p[p]),
                "contested_within": [
                    g for k, g in enumerate(groups) if stats.contested_within[k, p]
                ],
                "contested_p": {g: _f(stats.contested_p[k, p]) for k, g in enumerate(groups)},
                "convergence": float(stats.convergence[p]),
                "conflict_score": omega + (1.0 if flag else 0.0),
            }
        )
    return out


def _distinctive_entry(
    names: Sequence[str],
    stats: PairStats,
    g: int,
    pair: int,
    side: int,
    ratio: float,
    p_value: float,
) -> Distinctive:
    i, j = (int(v[pair]) for v in np.triu_indices(len(names), 1))
    favours, over = (names[i], names[j]) if side == 0 else (names[j], names[i])
    count = stats.group_for_a if side == 0 else stats.group_for_b
    n_g = stats.group_n[g, pair]
    n_rest = stats.group_n[:, pair].sum() - n_g
    rest = count[:, pair].sum() - count[g, pair]
    return {
        "a": names[i],
        "b": names[j],
        "favours": favours,
        "over": over,
        "share_group": float(count[g, pair] / n_g),
        "share_rest": _f(rest / n_rest) if n_rest else None,
        "ratio": _f(ratio),
        "p_value": p_value,
    }


def _clusters(
    t: JudgmentTable,
    inc: np.ndarray,
    points: np.ndarray,
    found: ClusterFit,
    gi: np.ndarray,
    names: Sequence[str],
    groups: Sequence[str],
) -> Clusters:
    sub = points[inc]
    xy = pca_2d(sub)
    ids = [str(t.participants[k]) for k in inc.tolist()]
    profiles: list[ClusterProfile] = []
    for c in range(found.k if inc.size else 0):
        sel = found.labels == c
        profiles.append(
            {
                "cluster": c,
                "size": int(sel.sum()),
                "weights": _named(names, normalise_log(sub[sel].mean(0))),
                "groups": {
                    g: int(np.sum(gi[sel] == k))
                    for k, g in enumerate(groups)
                    if np.any(gi[sel] == k)
                },
            }
        )
    return {
        "k": found.k,
        "silhouette": _f(found.silhouette),
        "adjusted_rand": adjusted_rand(found.labels, gi) if found.k > 1 else None,
        "method": found.method + "; points: first two principal components of clr priorities",
        "references": CLUSTER_REFERENCES,
        "profiles": profiles,
        "labels": dict(zip(ids, found.labels.tolist(), strict=True)),
        "points": dict(zip(ids, xy.tolist(), strict=True)),
    }


def _sensitivity(
    sweep: Sweep | None, names: Sequence[str], groups: Sequence[str], weighting: str
) -> Sensitivity:
    if sweep is None:
        return {
            "method": "not applicable: fewer than two groups with participants",
            "points": 0,
            "chosen": None,
            "stable_top": None,
            "stable_ranking": None,
            "top_share": None,
            "flip": None,
        }
    flip: VoiceFlip | None = None
    if sweep.flip is not None:
        at, distance, new_top, grid_at, grid_distance = sweep.flip
        flip = {
            "weights": _named(groups, at),
            "distance": distance,
            "new_top": names[new_top],
            "grid_weights": _named(groups, grid_at),
            "grid_distance": grid_distance,
        }
    return {
        "method": sweep.method
        + "; distance = total variation (share of voice moved between groups)",
        "weighting": weighting,
        "points": sweep.points,
        "chosen": _named(groups, sweep.chosen),
        "stable_top": sweep.stable_top,
        "stable_ranking": sweep.stable_ranking,
        "top_share": _named(names, sweep.top_share),
        "flip": flip,
    }
