"""The bodies the JSON API answers with and accepts, declared once.

Answers are typed dictionaries: the views build them as plain dicts (checked by the type
checker) and the OpenAPI document's schemas are generated from the same declarations
(:mod:`deliberate.api.openapi`). Submitted judgments are pydantic models, which both
validate request bodies and describe them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictFloat, StrictInt, StrictStr
from pydantic.json_schema import WithJsonSchema
from typing_extensions import TypedDict

from ..engine import PublicView, Report
from ..models import (
    SCALE_MAX,
    SCALE_MIN,
    AppraisalMode,
    Design,
    Role,
    Status,
    Synthesis,
    Weighting,
)
from ..services.imports import MAX_LABEL_LENGTH
from ..services.judgments import MAX_REASON_LENGTH

#: Largest id or round number a path may carry (PostgreSQL's ``integer``).
MAX_ID = 2**31 - 1


def _enum(values: Any, description: str | None = None) -> WithJsonSchema:
    """The values of a model enumeration as the schema of a text field."""
    schema: dict[str, Any] = {"enum": [v.value for v in values]}
    if description:
        schema["description"] = description
    return WithJsonSchema(schema)


DateTime: TypeAlias = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
OptionalDateTime: TypeAlias = Annotated[
    str | None, WithJsonSchema({"type": ["string", "null"], "format": "date-time"})
]


# --------------------------------------------------------------------------- errors


class RowProblem(TypedDict):
    """A rejected row: its 1-based number and the field at fault."""

    row: int | None
    field: str | None
    detail: str


class Problem(TypedDict):
    """RFC 9457 problem details (which may carry other members)."""

    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]

    type: str
    title: str
    status: int
    detail: str
    errors: NotRequired[list[RowProblem]]


# --------------------------------------------------------------------------- reading


class ConsultationSummary(TypedDict):
    """A consultation you take part in, with your role in it."""

    id: int
    title: str
    question: str
    status: Annotated[str, _enum(Status)]
    role: Annotated[str, _enum((Role.FACILITATOR, Role.STAKEHOLDER, Role.BOARD))]
    current_round: int | None


class Outcome(TypedDict):
    """An outcome stakeholders weigh."""

    id: int
    name: str
    description: str
    position: int


class Group(TypedDict):
    """A declared stakeholder group."""

    id: int
    name: str
    description: str
    weight: Annotated[float | None, Field(description="Custom weight, if set.")]


class Round(TypedDict):
    """A round of judgments."""

    number: Annotated[int, Field(ge=1)]
    open: bool
    opened_at: DateTime
    closed_at: OptionalDateTime


class Consultation(ConsultationSummary):
    """One consultation with its settings, outcomes, groups and rounds."""

    description: str
    anonymity_k: Annotated[int, Field(ge=1)]
    weighting: Annotated[str, _enum(Weighting)]
    design: Annotated[str, _enum(Design)]
    consistency_threshold: float | None
    created_at: DateTime
    outcomes: list[Outcome]
    groups: list[Group]
    rounds: list[Round]


class Consultations(TypedDict):
    """Your consultations."""

    consultations: list[ConsultationSummary]


class Outcomes(TypedDict):
    """The outcomes, in display order."""

    outcomes: list[Outcome]


class Groups(TypedDict):
    """The stakeholder groups."""

    groups: list[Group]


class Rounds(TypedDict):
    """The rounds, first to latest."""

    rounds: list[Round]


class StoredJudgment(TypedDict):
    """A judgment as stored."""

    participant: Annotated[str, Field(description="The participant's membership id.")]
    group: str
    outcome_a: str
    outcome_b: str
    value: Annotated[
        float, Field(description="How much more outcome_a matters than outcome_b (1/9 to 9).")
    ]
    reason: str


class Judgments(TypedDict):
    """Every judgment of a round."""

    round: int
    judgments: list[StoredJudgment]


class Option(TypedDict):
    """An option the board chooses between."""

    id: int
    name: str
    description: str
    annual_cost: Annotated[float | None, Field(ge=0)]
    cost_unit: str
    position: int


class AppraisalState(TypedDict):
    """How the options are appraised, and whether the appraisal is open."""

    mode: Annotated[str, _enum(AppraisalMode)]
    synthesis: Annotated[str, _enum(Synthesis)]
    open: bool
    opened_at: DateTime
    closed_at: OptionalDateTime


class Options(TypedDict):
    """The options, and their appraisal (null until the facilitator opens it)."""

    options: list[Option]
    appraisal: AppraisalState | None


class Appraisal(TypedDict):
    """Every assessor's answer, as `deliberate analyze --options` reads them: pairwise rows
    have assessor, outcome, option_a, option_b and value (how much better option_a does,
    1/9 to 9); ratings rows assessor, option, outcome and score (0-10)."""

    mode: Annotated[str, _enum(AppraisalMode)]
    answers: list[dict[str, Any]]


class Health(TypedDict):
    """The service and its database are up."""

    status: Literal["ok"]


class RoundResults(RootModel[Report | PublicView]):
    """The analysis report, exactly as `deliberate analyze --format json` prints it for the
    round's judgments CSV with the consultation's options (`Report`), with `options` once the
    assessors have appraised every option on every outcome. Other callers get the public
    view of a closed round (403 while it is open): `PublicReport`, computed without the
    groups smaller than the consultation's anonymity threshold k, or `WithheldReport` when
    no group has k people."""


class OpenApiDocument(RootModel[dict[str, Any]]):
    """The OpenAPI 3.1 document."""


# --------------------------------------------------------------------------- writing

ScaleValue: TypeAlias = Annotated[
    StrictFloat | StrictInt | StrictStr,
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "number", "minimum": SCALE_MIN, "maximum": SCALE_MAX},
                {"type": "string", "minLength": 1},
            ],
            "description": (
                "One of Saaty's 17 points from 1/9 to 9, as a number or as text such as "
                "'1/3': how much more outcome_a matters than outcome_b."
            ),
        }
    ),
]


class NewJudgment(BaseModel):
    """A judgment to save. The types are checked here; the scale, the names and the lengths
    by the import, which names the row and says what is wrong in words."""

    model_config = ConfigDict(
        json_schema_extra={
            "dependentRequired": {"participant": ["group"], "group": ["participant"]}
        }
    )

    participant: Annotated[
        StrictStr | None,
        WithJsonSchema(
            {
                "type": "string",
                "maxLength": MAX_LABEL_LENGTH,
                "description": (
                    "Facilitators: the participant's label. An unknown label becomes a new "
                    "stakeholder of the consultation; a known one is matched. Ignored for "
                    "stakeholders, who submit their own judgments."
                ),
            }
        ),
    ] = None
    group: Annotated[
        StrictStr | None,
        WithJsonSchema(
            {
                "type": "string",
                "description": (
                    "Facilitators: the participant's stakeholder group, by name (required "
                    "with `participant`; a facilitator's batch needs both)."
                ),
            }
        ),
    ] = None
    outcome_a: Annotated[StrictStr, Field(description="An outcome's name.")]
    outcome_b: Annotated[StrictStr, Field(description="Another outcome's name.")]
    value: ScaleValue
    reason: Annotated[
        StrictStr | None,
        WithJsonSchema({"type": ["string", "null"], "maxLength": MAX_REASON_LENGTH}),
    ] = None


class BatchJudgment(NewJudgment):
    """A judgment in a facilitator's batch: the participant and group are required."""

    participant: StrictStr
    group: StrictStr


class JudgmentBatch(BaseModel):
    """Judgments to save, all or nothing."""

    judgments: Annotated[list[NewJudgment], Field(min_length=1)]


class FacilitatorBatch(BaseModel):
    """A facilitator's batch, validated: every judgment names its participant and group."""

    judgments: list[BatchJudgment]


class OwnBatch(BaseModel):
    """A stakeholder's own judgments, validated."""

    judgments: list[NewJudgment]


class Saved(TypedDict):
    """What was saved."""

    round: int
    saved: Annotated[int, Field(description="Judgments saved (new or updated).")]
    participants: int
    created_participants: Annotated[
        list[str], Field(description="Labels of the stakeholders this batch created.")
    ]
