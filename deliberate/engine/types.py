"""The shape of an analysis report and of its public view, as typed dictionaries.

At run time a report is plain JSON (dicts, lists, strings, numbers, None): these types only
let the type checker follow key access, and the API generates its ``Report`` schema from
them. ``NotRequired`` marks keys that are sometimes absent, ``X | None`` values that may be
null. See :func:`deliberate.engine.analyze` and :func:`deliberate.engine.public_view`.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypeAlias, final

from typing_extensions import TypedDict

#: ``{outcome or option or group: value}``, None where the value is not finite.
Named: TypeAlias = dict[str, float | None]
#: A 95% interval ``[low, high]``.
Interval: TypeAlias = list[float]
#: ``{name: interval}``, None for a name whose bounds are not finite.
NamedIntervals: TypeAlias = dict[str, Interval | None]
#: Participants are named by label (text) or by membership id (number).
ParticipantId: TypeAlias = str | int
Side: TypeAlias = Literal["a", "b"]


# --------------------------------------------------------------------------- method


class Skipped(TypedDict):
    """A participant left out because their comparisons do not connect every outcome."""

    id: ParticipantId
    group: str
    cut_off: list[str] | None


class MethodNotes(TypedDict):
    """The options and the wording of the methods, common to a report and its public view."""

    priority: str
    priority_method: str
    aggregate: str
    aggregate_method: str
    weighting: str
    random_index: str
    random_index_incomplete: str
    cr_threshold: float
    cr_threshold_source: str
    default_cr_threshold: float
    exclude_inconsistent: bool
    bootstrap: int
    seed: int
    overall_consistency: str
    consensus: str
    suggestion: str
    shares: str
    conflict_rule: str
    distinctive: str
    intervals: str
    min_interval_size: int


class Method(MethodNotes):
    """How the report was computed, with who was left out."""

    group_weights: Named
    excluded: list[ParticipantId]
    skipped: list[Skipped]


class PublicMethod(MethodNotes):
    """The method of a public view: counts instead of people, None when all is withheld."""

    group_weights: Named | None
    excluded: int | None
    skipped: int | None


# --------------------------------------------------------------------------- participants


class MostInconsistent(TypedDict):
    """The judgment furthest from what a person's own priorities imply."""

    a: str
    b: str
    value: float
    suggested: float
    deviation: float


class OwnFigures(TypedDict):
    """One person's priorities and consistency from their own answers."""

    weights: dict[str, float]
    lambda_max: float | None
    cr: float | None
    cr_assessable: bool
    cr_alonso_lamata: float | None
    gci: float | None
    consistent: bool
    answered: int
    complete: bool
    most_inconsistent: MostInconsistent | None


class Participant(OwnFigures):
    """A participant's row of the report (facilitators only)."""

    id: ParticipantId
    group: str
    excluded: bool
    distance_to_group: float | None
    distance_to_overall: float | None


# --------------------------------------------------------------------------- blocks


class Distances(TypedDict):
    """Distances of clr priorities to their centre; None below two people."""

    mean_to_centre: float
    median_to_centre: float
    max_to_centre: float
    rms_pairwise: float | None


class Agreement(TypedDict):
    """Consensus of a set of people (all None below two)."""

    consensus: float | None
    consensus_band: str | None
    homogeneity: float | None
    kendall_w: float | None
    kendall_p: float | None
    distances: Distances | None
    warnings: list[str]


class Block(Agreement):
    """Priorities of a set of people (overall or a group), with intervals and ranks."""

    size: int
    weights: Named
    intervals: NamedIntervals | None
    ranks: dict[str, float] | None
    lambda_max: float | None
    cr: float | None


class Distinctive(TypedDict):
    """A pair on which a group differs from the rest."""

    a: str
    b: str
    favours: str
    over: str
    share_group: float
    share_rest: float | None
    ratio: float | None
    p_value: float


class GroupBlock(Block):
    """A stakeholder group's block."""

    distinctive: list[Distinctive]


class Overall(Block):
    """Everyone's block, with the other weightings and how sure the ranking is."""

    by_weighting: dict[str, Named | None] | None
    rank_probabilities: dict[str, Named] | None


class OutcomeCell(TypedDict):
    """An outcome's weight, rank and interval in one block."""

    weight: float | None
    rank: float | None
    interval: Interval | None


class OutcomeRow(TypedDict):
    """One outcome across the overall block and the groups."""

    outcome: str
    overall: OutcomeCell
    groups: dict[str, OutcomeCell]


# --------------------------------------------------------------------------- pairs


class GroupShare(TypedDict):
    """Shares of a group putting each side of a pair first."""

    a: float
    b: float
    n: int


class Pair(TypedDict):
    """A pair of outcomes on the disagreement map."""

    a: str
    b: str
    n: int
    share_a: float
    share_b: float
    share_equal: float
    polarisation: float
    spread: float
    eta_squared: float
    eta_squared_null: float
    omega_squared: float
    group_means: Named
    group_n: dict[str, int]
    group_intervals: NamedIntervals
    group_sides: dict[str, Side | None]
    group_p: Named
    group_shares: dict[str, GroupShare | None]
    #: None in a public view that holds a group below the minimum size.
    conflict_between_groups: bool | None
    conflict_p: float | None
    contested_within: list[str]
    contested_p: Named
    convergence: float
    conflict_score: float


# --------------------------------------------------------------------------- clusters


class ClusterProfile(TypedDict):
    """A cluster's size and mean priorities (with its groups, facilitators only)."""

    cluster: int
    size: int
    weights: Named
    groups: NotRequired[dict[str, int]]


class Clusters(TypedDict):
    """Clusters of participants' priorities; labels and map points for facilitators only."""

    k: int
    silhouette: float | None
    adjusted_rand: float | None
    method: str
    references: int
    profiles: list[ClusterProfile]
    labels: NotRequired[dict[str, int]]
    points: NotRequired[dict[str, list[float]]]


# --------------------------------------------------------------------------- sensitivity


class VoiceFlip(TypedDict):
    """The nearest change of group weights that puts another outcome on top."""

    weights: Named
    distance: float
    new_top: str
    grid_weights: Named
    grid_distance: float


class Sensitivity(TypedDict):
    """The voice-weight sweep (``weighting`` absent, the rest None, below two groups)."""

    method: str
    weighting: NotRequired[str]
    points: int
    chosen: Named | None
    stable_top: float | None
    stable_ranking: float | None
    top_share: Named | None
    flip: VoiceFlip | None


@final
class WithheldSensitivity(TypedDict):
    """The sweep of a public view that holds a group below the minimum size."""

    method: str


# --------------------------------------------------------------------------- options


class OptionsBlock(TypedDict):
    """Options' values for a set of stakeholders."""

    value: Named
    best: str | None
    intervals: NamedIntervals | None
    best_probability: Named | None


class OptionsOverall(OptionsBlock):
    """Options' values for everyone, and under each voice weighting."""

    by_weighting: dict[str, Named | None] | None


class OtherSynthesis(TypedDict):
    """The options' values under the synthesis not chosen."""

    synthesis: str
    value: Named
    same_ranking: bool


class OptionFlip(TypedDict):
    """The nearest change of group weights that makes another option best."""

    weights: Named
    distance: float
    new_best: str


class OptionsSensitivity(TypedDict):
    """How sure the best option is over voice weightings (None below two groups)."""

    stable_best: float | None
    best_share: NotRequired[Named]
    flip: OptionFlip | None


@final
class WithheldOptionsSensitivity(TypedDict):
    """The options' sweep of a public view that holds a group below the minimum size."""

    withheld: str


class MostDisagreed(TypedDict):
    """The outcome and option the assessors disagree on most."""

    outcome: str
    option: str
    spread: float


class AssessorConsistency(TypedDict):
    """An assessor's CR per outcome (pairwise appraisals), for facilitators only."""

    assessor: str
    cr: Named | None


class Assessors(TypedDict):
    """The assessors' number, disagreement and (facilitators only) consistency."""

    count: int
    spread_unit: str
    spread: dict[str, Named]
    most_disagreed: MostDisagreed | None
    individual: NotRequired[list[AssessorConsistency]]


class OptionsMethod(TypedDict):
    """The wording of the options' methods."""

    local: str
    synthesis: str
    intervals: str
    best_probability: str
    frontier: str


class OptionsParts(TypedDict):
    """What the options part of a report and of a public view have in common."""

    names: list[str]
    local: dict[str, Named]
    overall: OptionsOverall
    groups: dict[str, OptionsBlock]
    frontier: list[str]
    mode: str
    synthesis: str
    costs: Named
    value_per_cost: Named
    other_synthesis: OtherSynthesis
    assessors: Assessors
    method: OptionsMethod


class OptionsReport(OptionsParts):
    """The options appraisal part of a report (docs/METHODS.md §9)."""

    sensitivity: OptionsSensitivity


class PublicOptions(OptionsParts):
    """The options part of a public view: no individual assessor, no sweep with a small group."""

    sensitivity: OptionsSensitivity | WithheldOptionsSensitivity


# --------------------------------------------------------------------------- reports


class Results(TypedDict):
    """What a report and a public view that shows results have in common."""

    outcomes: list[str]
    groups: dict[str, GroupBlock]
    overall: Overall
    by_outcome: list[OutcomeRow]
    pairs: list[Pair]
    clusters: Clusters
    #: Why the report has no ``options`` yet (the appraisal does not cover every option).
    options_pending: NotRequired[str]


class Report(Results):
    """The full analysis report of :func:`deliberate.engine.analyze` (facilitators)."""

    method: Method
    participants: list[Participant]
    sensitivity: Sensitivity
    options: NotRequired[OptionsReport]


class GroupParticipation(TypedDict):
    """A group's size and, where k people are on each side, how many showed no inconsistency
    (a CR within the threshold, or too few comparisons to assess one)."""

    size: int
    consistent: int | None


class Participation(TypedDict):
    """How many answered, and consistently, without naming anyone."""

    answered: int
    consistent: int | None
    groups: dict[str, GroupParticipation]


@final
class PublicReport(Results):
    """The public view of a report with results to show (groups of at least k people)."""

    method: PublicMethod
    sensitivity: Sensitivity | WithheldSensitivity
    options: NotRequired[PublicOptions]
    withheld_groups: list[str]
    min_group_size: int
    participation: Participation
    withheld_pairs: list[list[str]]


@final
class WithheldReport(TypedDict):
    """The public view when no group has k people: every aggregate is withheld."""

    outcomes: list[str]
    method: PublicMethod
    withheld_groups: list[str]
    min_group_size: int
    withheld: str


#: What :func:`deliberate.engine.public_view` returns.
PublicView: TypeAlias = PublicReport | WithheldReport
