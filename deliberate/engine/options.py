"""Options appraisal: which option delivers the most of what stakeholders value.

A panel of assessors appraises each option against each outcome, pairwise on Saaty's
scale (per outcome, "how much better is option A than option B?") or by a 0–10 rating.
Local priorities per outcome come from the AIJ of the assessors' judgments (pairwise) or
from the mean rating; an option's value is ``Σ_o w_o · l_o(option)`` under the
stakeholders' outcome weights ``w``. See docs/METHODS.md §9.

* ``distributive`` synthesis: local priorities sum to 1 per outcome (classic AHP).
* ``ideal`` synthesis: local priorities divided by the best option's per outcome, so an
  option's value is the share of the best achievable; adding or removing an option
  cannot reverse the ranking of the others (Belton & Gear 1983; Saaty 1994).

Everything is batched: a ``(B, A)`` matrix of assessor weights gives B local-priority
tables at once (the point estimate, bootstrap replicates).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .aggregate import aij, judgment_sums, pair_priorities
from .consistency import consistency_ratio
from .distributions import t_ppf
from .judgments import JudgmentError
from .types import (
    Assessors,
    MostDisagreed,
    OptionFlip,
    OptionsBlock,
    OptionsOverall,
    OptionsReport,
    OptionsSensitivity,
)
from .uncertainty import MIN_INTERVAL_SIZE, resample_weights

__all__ = [
    "MAX_OPTIONS",
    "MIN_OPTIONS",
    "MODES",
    "RATING_MAX",
    "RATING_MIN",
    "SYNTHESES",
    "Appraisal",
    "AppraisalError",
    "OutcomeWeights",
    "aligned",
    "appraise",
    "assessor_summary",
    "best_probability",
    "costs_vector",
    "frontier",
    "individual_local",
    "local_priorities",
    "named",
    "normalise_local",
    "parse_score",
    "synthesise",
    "value_intervals",
]

MODES = ("pairwise", "ratings")
SYNTHESES = ("distributive", "ideal")
RATING_MIN, RATING_MAX = 0.0, 10.0
MIN_OPTIONS, MAX_OPTIONS = 2, 20
_TIE = 1e-12


class AppraisalError(JudgmentError):
    """Invalid appraisal of options (a `JudgmentError`, with the line when known)."""


@dataclass(frozen=True, repr=False)
class Appraisal:
    """Assessors' appraisal of ``m`` options against ``n`` outcomes.

    Attributes
    ----------
    mode : {"pairwise", "ratings"}
    options : tuple of str, length m
    outcomes : tuple of str, length n
    assessors : tuple of str, length A
    values : ndarray
        ``pairwise``: ``(A, n, P)`` log judgments ``ln a_ij`` of the ``P = m(m−1)/2``
        option pairs ``i < j`` in ``numpy.triu_indices(m, 1)`` order; ``ratings``:
        ``(A, n, m)`` scores on 0–10. 0 where not given.
    mask : bool ndarray, same shape as ``values``
        True where given.
    """

    mode: str
    options: tuple[str, ...]
    outcomes: tuple[str, ...]
    assessors: tuple[str, ...]
    values: np.ndarray
    mask: np.ndarray

    @property
    def m(self) -> int:
        """Number of options."""
        return len(self.options)

    def __repr__(self) -> str:
        """Names and a digest of every answer: equal content, equal text (a cache key)."""
        digest = hashlib.sha256(self.values.tobytes() + self.mask.tobytes()).hexdigest()[:16]
        return (
            f"Appraisal({self.mode}, options={self.options!r}, outcomes={self.outcomes!r}, "
            f"assessors={self.assessors!r}, answers={digest})"
        )

    @classmethod
    def from_pairwise(
        cls,
        records: Iterable[tuple[int, Sequence[object]]],
        parse_value: Callable[[object, int], float],
        *,
        options: Sequence[str] | None = None,
        outcomes: Sequence[str] | None = None,
    ) -> Appraisal:
        """Build from numbered ``(line, (assessor, outcome, option_a, option_b, value))``.

        ``value`` is how much better ``option_a`` does than ``option_b`` on the outcome,
        parsed by ``parse_value(raw, line)`` (which checks Saaty's scale).

        Raises
        ------
        AppraisalError
            On an empty field, a self-comparison, a pair given twice by one assessor for
            one outcome, an unknown option or outcome (when fixed), no records, or fewer
            than two or more than 20 options.
        """
        book = _Names(options, outcomes)
        seen: dict[tuple[int, int, int, int], int] = {}
        cells: list[tuple[int, int, int, int, float]] = []
        line = 1
        for line, record in records:
            assessor, outcome, a, b = (_text(v) for v in record[:4])
            if not all((assessor, outcome, a, b)):
                raise AppraisalError("assessor, outcome, option_a and option_b must be given", line)
            if a == b:
                raise AppraisalError(f"option {a!r} is compared with itself", line)
            try:
                x = math.log(parse_value(record[4], line))
            except JudgmentError as exc:
                raise AppraisalError(exc.message, line) from None
            k, o = book.assessor(assessor), book.outcome(outcome, line)
            i, j = book.option(a, line), book.option(b, line)
            key = (k, o, min(i, j), max(i, j))
            if key in seen:
                raise AppraisalError(
                    f"assessor {assessor!r} compares {a!r} and {b!r} on {outcome!r} twice "
                    f"(first on line {seen[key]})",
                    line,
                )
            seen[key] = line
            cells.append((k, o, key[2], key[3], x if i < j else -x))
        book.check(line, bool(cells))
        m = len(book.options)
        pair_index = {
            (int(i), int(j)): p for p, (i, j) in enumerate(zip(*np.triu_indices(m, 1), strict=True))
        }
        shape = (len(book.assessors), len(book.outcomes), m * (m - 1) // 2)
        values, mask = np.zeros(shape), np.zeros(shape, dtype=bool)
        for k, o, i, j, x in cells:
            values[k, o, pair_index[i, j]] = x
            mask[k, o, pair_index[i, j]] = True
        return book.build("pairwise", values, mask)

    @classmethod
    def from_ratings(
        cls,
        records: Iterable[tuple[int, Sequence[object]]],
        *,
        options: Sequence[str] | None = None,
        outcomes: Sequence[str] | None = None,
    ) -> Appraisal:
        """Build from numbered ``(line, (assessor, option, outcome, score))``, score 0–10.

        Raises
        ------
        AppraisalError
            On an empty field, a score that is not a number in [0, 10], an option rated
            twice on one outcome by one assessor, an unknown name (when fixed), no
            records, or fewer than two or more than 20 options.
        """
        book = _Names(options, outcomes)
        seen: dict[tuple[int, int, int], int] = {}
        cells: list[tuple[int, int, int, float]] = []
        line = 1
        for line, record in records:
            assessor, option, outcome = (_text(v) for v in record[:3])
            if not all((assessor, option, outcome)):
                raise AppraisalError("assessor, option and outcome must be given", line)
            score = parse_score(record[3], line)
            key = (book.assessor(assessor), book.outcome(outcome, line), book.option(option, line))
            if key in seen:
                raise AppraisalError(
                    f"assessor {assessor!r} rates {option!r} on {outcome!r} twice "
                    f"(first on line {seen[key]})",
                    line,
                )
            seen[key] = line
            cells.append((*key, score))
        book.check(line, bool(cells))
        shape = (len(book.assessors), len(book.outcomes), len(book.options))
        values, mask = np.zeros(shape), np.zeros(shape, dtype=bool)
        for k, o, i, score in cells:
            values[k, o, i] = score
            mask[k, o, i] = True
        return book.build("ratings", values, mask)


def parse_score(raw: object, line: int) -> float:
    """A rating: a number from 0 to 10."""
    text = "" if raw is None else str(raw).strip()
    try:
        score = float(text) if not isinstance(raw, int | float) else float(raw)
    except ValueError:
        raise AppraisalError(f"score {text!r} is not a number", line) from None
    if isinstance(raw, bool) or not RATING_MIN <= score <= RATING_MAX:
        raise AppraisalError(f"score {raw!r} is not a number from 0 to 10", line)
    return score


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


class _Names:
    """Name → index books for one appraisal, fixed or in order of first appearance."""

    def __init__(self, options: Sequence[str] | None, outcomes: Sequence[str] | None) -> None:
        self.fixed_options, self.fixed_outcomes = options is not None, outcomes is not None
        self.options = {str(o): i for i, o in enumerate(options or ())}
        self.outcomes = {str(o): i for i, o in enumerate(outcomes or ())}
        self.assessors: dict[str, int] = {}

    @staticmethod
    def _index(book: dict[str, int], name: str, fixed: bool, what: str, line: int) -> int:
        if name not in book:
            if fixed:
                raise AppraisalError(f"unknown {what} {name!r}", line)
            book[name] = len(book)
        return book[name]

    def option(self, name: str, line: int) -> int:
        return self._index(self.options, name, self.fixed_options, "option", line)

    def outcome(self, name: str, line: int) -> int:
        return self._index(self.outcomes, name, self.fixed_outcomes, "outcome", line)

    def assessor(self, name: str) -> int:
        return self.assessors.setdefault(name, len(self.assessors))

    def check(self, line: int, any_records: bool) -> None:
        if not any_records:
            raise AppraisalError("no appraisal judgments", line)
        if not MIN_OPTIONS <= len(self.options) <= MAX_OPTIONS:
            raise AppraisalError(
                f"an appraisal needs {MIN_OPTIONS} to {MAX_OPTIONS} options, "
                f"got {len(self.options)}"
            )

    def build(self, mode: str, values: np.ndarray, mask: np.ndarray) -> Appraisal:
        def ordered(book: dict[str, int]) -> tuple[str, ...]:
            return tuple(sorted(book, key=book.__getitem__))

        return Appraisal(
            mode=mode,
            options=ordered(self.options),
            outcomes=ordered(self.outcomes),
            assessors=ordered(self.assessors),
            values=values,
            mask=mask,
        )


def normalise_local(raw: np.ndarray, synthesis: str) -> np.ndarray:
    """Local priorities from non-negative per-outcome values ``(..., m)``.

    ``distributive`` divides by the sum, ``ideal`` by the maximum; an outcome on which
    every option has 0 gives every option 0 (it adds nothing to any value); NaN (a
    missing value) spreads to the whole outcome.
    """
    if synthesis not in SYNTHESES:
        raise ValueError(f"unknown synthesis {synthesis!r}; expected one of {SYNTHESES}")
    scale = (
        raw.sum(-1, keepdims=True) if synthesis == "distributive" else raw.max(-1, keepdims=True)
    )
    positive = scale > 0
    return np.where(
        positive, raw / np.where(positive, scale, 1.0), np.where(np.isnan(scale), np.nan, 0.0)
    )


def local_priorities(appraisal: Appraisal, weights: np.ndarray, synthesis: str) -> np.ndarray:
    """Aggregated local priorities ``(B, n, m)`` under assessor weights ``(B, A)``.

    Pairwise: eigenvector of the AIJ (weighted geometric mean of the judgments of the
    assessors who answered each pair) per outcome; ratings: weighted mean score per
    option and outcome. NaN for an outcome whose aggregated comparisons do not connect
    all options, or where an option has no rating.
    """
    A, n = appraisal.values.shape[:2]
    m = appraisal.m
    B = weights.shape[0]
    flat_v = appraisal.values.reshape(A, -1)
    flat_m = appraisal.mask.reshape(A, -1)
    if appraisal.mode == "pairwise":
        x, mask = aij(*judgment_sums(weights, flat_v, flat_m))
        raw = pair_priorities(x.reshape(B * n, -1), mask.reshape(B * n, -1), m, "ev")[0]
        raw = raw.reshape(B, n, m)
    else:
        num, den = judgment_sums(weights, flat_v, flat_m)
        raw = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan).reshape(B, n, m)
    return normalise_local(raw, synthesis)


def individual_local(appraisal: Appraisal) -> tuple[np.ndarray, np.ndarray]:
    """Each assessor's own local priorities (distributive) and CR per outcome.

    Returns
    -------
    local : (A, n, m) ndarray
        Pairwise: eigenvector of the assessor's matrix (NaN where it does not connect all
        options); ratings: the assessor's scores (NaN where not rated).
    cr : (A, n) ndarray
        Saaty's CR of each pairwise matrix (NaN for ratings or disconnected matrices).
    """
    A, n = appraisal.values.shape[:2]
    m = appraisal.m
    if appraisal.mode == "ratings":
        return np.where(appraisal.mask, appraisal.values, np.nan), np.full((A, n), np.nan)
    w, lam = pair_priorities(
        appraisal.values.reshape(A * n, -1), appraisal.mask.reshape(A * n, -1), m, "ev"
    )
    return w.reshape(A, n, m), consistency_ratio(lam, m).reshape(A, n)


def synthesise(outcome_weights: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Option values ``Σ_o w_o · l_o``.

    Parameters
    ----------
    outcome_weights : (..., n) ndarray
    local : (..., n, m) ndarray
        Broadcasts against ``outcome_weights``.

    Returns
    -------
    (..., m) ndarray
    """
    return np.einsum("...o,...om->...m", outcome_weights, local)


def best_probability(values: np.ndarray) -> np.ndarray:
    """Share of replicates ``(B, m)`` in which each option is best (ties shared).

    Rows with NaN are ignored; NaN everywhere without a finite row.
    """
    ok = values[np.all(np.isfinite(values), axis=1)]
    if ok.shape[0] == 0:
        return np.full(values.shape[1], np.nan)
    top = np.abs(ok - ok.max(1, keepdims=True)) <= _TIE
    return (top / top.sum(1, keepdims=True)).mean(0)


def value_intervals(
    value: np.ndarray,
    stakeholders: np.ndarray,
    people: int,
    strata: int,
    assessors: np.ndarray,
    panel: int,
    level: float = 0.95,
) -> np.ndarray:
    """t-based intervals of option values from two bootstrap standard errors.

    ``v̂ ± t_df · sqrt(s_P² + s_A²)``, clipped to [0, 1]: ``s_P²`` is the variance of the
    values over resamples of the stakeholders (assessors' answers fixed) times
    ``K/(K − G)``, ``s_A²`` over resamples of the assessors (stakeholders' weights fixed)
    times ``A/(A − 1)`` (each undoing the bootstrap's shrinkage of a mean's variance, as
    for outcome priorities), and ``df`` Welch–Satterthwaite's from ``K − G`` and ``A − 1``.

    Parameters
    ----------
    value : (m,) ndarray
    stakeholders, assessors : (B, m) ndarray
        Values over the two kinds of resample (rows with NaN ignored).
    people, strata : int
        Stakeholders resampled (K) and the groups resampled separately (G).
    panel : int
        Assessors resampled (A).
    level : float

    Returns
    -------
    (m, 2) ndarray
        NaN with fewer than `MIN_INTERVAL_SIZE` stakeholders, fewer than two assessors,
        or fewer than two finite resamples of either kind.
    """
    out = np.full((value.size, 2), np.nan)
    df_p, df_a = people - strata, panel - 1
    parts = []
    for samples, size, df in ((stakeholders, people, df_p), (assessors, panel, df_a)):
        ok = samples[np.all(np.isfinite(samples), axis=1)]
        if df < 1 or ok.shape[0] < 2:
            return out
        parts.append((ok.var(0, ddof=1) * size / df, df))
    if people < MIN_INTERVAL_SIZE or not np.all(np.isfinite(value)):
        return out
    (var_p, df_p), (var_a, df_a) = parts
    var = var_p + var_a
    with np.errstate(divide="ignore", invalid="ignore"):
        dof = np.where(var > 0, var**2 / (var_p**2 / df_p + var_a**2 / df_a), np.inf)
    half = t_ppf(0.5 + level / 2, np.maximum(dof, 1.0)) * np.sqrt(var)
    out[:, 0] = np.clip(value - half, 0.0, 1.0)
    out[:, 1] = np.clip(value + half, 0.0, 1.0)
    return out


def frontier(values: np.ndarray, costs: np.ndarray) -> list[int]:
    """Options not beaten on both value and cost, by increasing cost.

    Option i is dominated when another has value ≥ and cost ≤ with one of them strict.
    Options without a finite cost (NaN) are left out.

    Parameters
    ----------
    values, costs : (m,) ndarray
    """
    have = np.flatnonzero(np.isfinite(costs) & np.isfinite(values))
    keep = []
    for i in have:
        v, c = values[have], costs[have]
        dominated = (v >= values[i]) & (c <= costs[i]) & ((v > values[i]) | (c < costs[i]))
        if not dominated.any():
            keep.append(int(i))
    return sorted(keep, key=lambda i: (costs[i], -values[i]))


def assessor_summary(appraisal: Appraisal) -> Assessors:
    """Assessors' consistency and disagreement, as plain JSON.

    ``spread`` is the standard deviation across assessors of their own local priorities
    (pairwise) or scores (ratings, in points out of 10) per outcome and option;
    ``individual`` lists each assessor's CR per outcome (pairwise only) and is for
    facilitators only.
    """
    local, cr = individual_local(appraisal)
    A = local.shape[0]
    answered = np.isfinite(local).sum(0)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(answered > 0, local, 0.0), axis=0)
        spread = np.where(
            answered > 1,
            np.sqrt(np.nansum((local - mean) ** 2, axis=0) / np.maximum(answered - 1, 1)),
            np.nan,
        )
    spread_out = {
        o: {opt: _f(spread[k, i]) for i, opt in enumerate(appraisal.options)}
        for k, o in enumerate(appraisal.outcomes)
    }
    most: MostDisagreed | None = None
    if np.isfinite(spread).any():
        k, i = np.unravel_index(np.nanargmax(spread), spread.shape)
        most = {
            "outcome": appraisal.outcomes[k],
            "option": appraisal.options[i],
            "spread": float(spread[k, i]),
        }
    pairwise = appraisal.mode == "pairwise"
    return {
        "count": A,
        "spread_unit": "local priority" if pairwise else "points out of 10",
        "spread": spread_out,
        "most_disagreed": most,
        "individual": [
            {
                "assessor": appraisal.assessors[a],
                "cr": {o: _f(cr[a, k]) for k, o in enumerate(appraisal.outcomes)}
                if pairwise
                else None,
            }
            for a in range(A)
        ],
    }


def _f(value: float) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


def named(names: Sequence[str], values: np.ndarray) -> dict[str, float | None]:
    """``{name: value}`` with None for NaN."""
    return {name: _f(v) for name, v in zip(names, values, strict=True)}


def costs_vector(options: Sequence[str], costs: Mapping[str, float] | None) -> np.ndarray:
    """Costs ``(m,)`` in option order, NaN where not given.

    Raises
    ------
    ValueError
        On a cost for an unknown option or a negative or non-finite cost.
    """
    costs = dict(costs or {})
    unknown = sorted(set(costs) - set(options))
    if unknown:
        raise ValueError(f"cost for unknown option(s): {', '.join(unknown)}")
    out = np.array([float(costs.get(o, np.nan)) for o in options])
    given = ~np.isnan(out)
    if np.any(~np.isfinite(out[given])) or np.any(out[given] < 0):
        raise ValueError("option costs must be finite and not negative")
    return out


def aligned(appraisal: Appraisal, outcomes: Sequence[str]) -> Appraisal:
    """The appraisal with its outcome axis in ``outcomes`` order.

    Raises
    ------
    AppraisalError
        When the appraisal names an outcome the stakeholders did not weigh, or leaves one
        out.
    """
    extra = [o for o in appraisal.outcomes if o not in outcomes]
    if extra:
        raise AppraisalError(f"the appraisal names unknown outcome(s): {', '.join(extra)}")
    missing = [o for o in outcomes if o not in appraisal.outcomes]
    if missing:
        raise AppraisalError(f"no option is appraised on outcome(s): {', '.join(missing)}")
    order = [appraisal.outcomes.index(o) for o in outcomes]
    return Appraisal(
        mode=appraisal.mode,
        options=appraisal.options,
        outcomes=tuple(outcomes),
        assessors=appraisal.assessors,
        values=appraisal.values[:, order],
        mask=appraisal.mask[:, order],
    )


@dataclass(frozen=True)
class OutcomeWeights:
    """The stakeholder side of an options appraisal, from the outcome analysis.

    Attributes
    ----------
    overall : (n,) ndarray
        Overall outcome weights under the chosen weighting.
    groups : (G, n) ndarray
        Each group's weights (NaN rows for empty groups).
    group_names : tuple of str, length G
    by_weighting : dict
        ``{scheme: (n,) ndarray or None}`` for each voice weighting.
    boot_overall : (B, n) ndarray or None
        Bootstrap replicates (stakeholders resampled within groups).
    boot_groups : (G, B, n) ndarray or None
    sizes : (G,) int ndarray
        Stakeholders resampled in each group (for the intervals' degrees of freedom).
    sweep : callable or None
        ``sweep(value)`` runs the voice-weight sensitivity with ``value`` mapping outcome
        weights to option values (see `uncertainty.sensitivity`); None without two groups.
    """

    overall: np.ndarray
    groups: np.ndarray
    group_names: tuple[str, ...]
    by_weighting: dict[str, np.ndarray | None]
    boot_overall: np.ndarray | None
    boot_groups: np.ndarray | None
    sizes: np.ndarray
    sweep: Callable[[Callable[[np.ndarray], np.ndarray]], Any] | None


def appraise(
    appraisal: Appraisal,
    weights: OutcomeWeights,
    *,
    synthesis: str = "distributive",
    costs: Mapping[str, float] | None = None,
    seed: int = 0,
) -> OptionsReport:
    """The options block of a report: values overall, per group and per weighting.

    Parameters
    ----------
    appraisal : Appraisal
        Already `aligned` to the outcome order of ``weights``.
    weights : OutcomeWeights
    synthesis : {"distributive", "ideal"}
    costs : mapping of option to annual cost, optional
    seed : int
        Seeds the assessor resampling (independent of the stakeholder resampling, which
        pairs with it replicate by replicate).

    Returns
    -------
    dict
        Plain JSON (see docs/METHODS.md §9).

    Raises
    ------
    AppraisalError
        When the assessors' judgments leave an outcome's options unconnected or an option
        unrated.
    ValueError
        On an unknown synthesis or invalid costs.
    """
    if synthesis not in SYNTHESES:
        raise ValueError(f"unknown synthesis {synthesis!r}; expected one of {SYNTHESES}")
    names, outcomes = appraisal.options, appraisal.outcomes
    A = len(appraisal.assessors)
    cost = costs_vector(names, costs)
    equal = np.full((1, A), 1.0 / A)
    local = local_priorities(appraisal, equal, synthesis)[0]
    _check_covered(appraisal, local)
    other = "ideal" if synthesis == "distributive" else "distributive"
    local_other = local_priorities(appraisal, equal, other)[0]
    value = synthesise(weights.overall, local)
    value_other = synthesise(weights.overall, local_other)

    boot_local = None
    if weights.boot_overall is not None:
        rng = np.random.default_rng([seed, 1])
        resamples = weights.boot_overall.shape[0]
        boot_local = local_priorities(appraisal, resample_weights(rng, resamples, A), synthesis)

    def summary(
        outcome: np.ndarray, replicates: np.ndarray | None, people: int, strata: int
    ) -> OptionsBlock:
        point = synthesise(outcome, local)
        block: OptionsBlock = {
            "value": named(names, point),
            "best": _best(names, point),
            "intervals": None,
            "best_probability": None,
        }
        if boot_local is None or replicates is None:
            return block
        bounds = value_intervals(
            point,
            synthesise(replicates, local),
            people,
            strata,
            synthesise(outcome, boot_local),
            A,
        )
        block["intervals"] = {
            o: None if not np.all(np.isfinite(b)) else [float(b[0]), float(b[1])]
            for o, b in zip(names, bounds, strict=True)
        }
        block["best_probability"] = named(
            names, best_probability(synthesise(replicates, boot_local))
        )
        return block

    sizes = np.asarray(weights.sizes)
    overall: OptionsOverall = {
        **summary(weights.overall, weights.boot_overall, int(sizes.sum()), int((sizes > 0).sum())),
        "by_weighting": {
            scheme: None if w is None else named(names, synthesise(w, local))
            for scheme, w in weights.by_weighting.items()
        },
    }
    groups_out: dict[str, OptionsBlock] = {}
    for g, gname in enumerate(weights.group_names):
        if not np.all(np.isfinite(weights.groups[g])):
            continue
        reps = None if weights.boot_groups is None else weights.boot_groups[g]
        groups_out[gname] = summary(weights.groups[g], reps, int(sizes[g]), 1)
    per_cost = np.where(cost > 0, value / np.where(cost > 0, cost, 1.0), np.nan)
    order = np.argsort(-value, kind="stable")
    order_other = np.argsort(-value_other, kind="stable")
    return {
        "names": list(names),
        "local": {o: named(names, local[k]) for k, o in enumerate(outcomes)},
        "overall": overall,
        "groups": groups_out,
        "frontier": [names[i] for i in frontier(value, cost)],
        "mode": appraisal.mode,
        "synthesis": synthesis,
        "costs": named(names, cost),
        "value_per_cost": named(names, per_cost),
        "other_synthesis": {
            "synthesis": other,
            "value": named(names, value_other),
            "same_ranking": bool(np.array_equal(order, order_other)),
        },
        "sensitivity": _flip(weights, local, names),
        "assessors": assessor_summary(appraisal),
        "method": {
            "local": "eigenvector of the AIJ of the assessors' judgments per outcome"
            if appraisal.mode == "pairwise"
            else "mean rating per option and outcome over the assessors who rated it",
            "synthesis": "local priorities divided by their sum per outcome"
            if synthesis == "distributive"
            else "local priorities divided by the best option's per outcome",
            "intervals": "95% t-based intervals from the bootstrap standard errors of "
            "resampling the stakeholders (within groups) and the assessors; none below "
            f"{MIN_INTERVAL_SIZE} stakeholders or with one assessor",
            "best_probability": "share of paired resamples of stakeholders and assessors in "
            "which the option is best",
            "frontier": "options with a cost that no other option beats on both value and cost",
        },
    }


def _best(names: Sequence[str], value: np.ndarray) -> str | None:
    return names[int(np.argmax(value))] if np.all(np.isfinite(value)) else None


def _check_covered(appraisal: Appraisal, local: np.ndarray) -> None:
    for k, outcome in enumerate(appraisal.outcomes):
        if np.all(np.isfinite(local[k])):
            continue
        if appraisal.mode == "pairwise":
            raise AppraisalError(
                f"on outcome {outcome!r} the assessors' comparisons do not connect all "
                "options: compare every option with at least one other"
            )
        rated = np.asarray(appraisal.mask[:, k].any(0))
        missing = [o for o, r in zip(appraisal.options, rated, strict=True) if not r]
        raise AppraisalError(f"on outcome {outcome!r} nobody rated {', '.join(missing)}")


def _flip(weights: OutcomeWeights, local: np.ndarray, names: Sequence[str]) -> OptionsSensitivity:
    sweep = weights.sweep(lambda w: synthesise(w, local)) if weights.sweep else None
    if sweep is None:
        return {"stable_best": None, "flip": None}
    flip: OptionFlip | None = None
    if sweep.flip is not None:
        at, distance, new_top, _, _ = sweep.flip
        flip = {
            "weights": named(weights.group_names, at),
            "distance": distance,
            "new_best": names[new_top],
        }
    return {
        "stable_best": sweep.stable_top,
        "best_share": named(names, sweep.top_share),
        "flip": flip,
    }
