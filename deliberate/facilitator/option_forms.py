"""Forms of the facilitator's options page (parsing only; the services validate and save)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, FloatField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models import AppraisalMode, Synthesis
from ..services.consultations import MAX_NAME, MAX_TEXT
from ..services.options import MAX_UNIT

MODE_LABELS = {
    AppraisalMode.PAIRWISE: "Pairwise: for each outcome, assessors compare options two at a "
    "time on Saaty's scale (best for up to about 7 options)",
    AppraisalMode.RATINGS: "Ratings: assessors rate each option on each outcome from 0 to 10 "
    "(for many options)",
}
SYNTHESIS_LABELS = {
    Synthesis.DISTRIBUTIVE: "Distributive: each outcome's value is shared out among the "
    "options (classic AHP)",
    Synthesis.IDEAL: "Ideal: each option is measured against the best one on each outcome "
    "(adding or removing an option never reorders the others)",
}


class OptionForm(FlaskForm):
    """A new option."""

    name = StringField("Option", validators=[DataRequired(), Length(max=MAX_NAME)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=MAX_TEXT)])
    annual_cost = FloatField("Annual cost (optional)", validators=[Optional(), NumberRange(min=0)])
    cost_unit = StringField("Cost unit", validators=[Optional(), Length(max=MAX_UNIT)])


class SynthesisForm(FlaskForm):
    """How local priorities are normalised."""

    synthesis = RadioField(
        "How values are combined",
        choices=[SelectChoice(s.value, label) for s, label in SYNTHESIS_LABELS.items()],
        default=Synthesis.DISTRIBUTIVE.value,
        validators=[InputRequired()],
    )


class OpenAppraisalForm(SynthesisForm):
    """Open the appraisal in one of its two modes."""

    mode = RadioField(
        "How assessors appraise the options",
        choices=[SelectChoice(m.value, label) for m, label in MODE_LABELS.items()],
        default=AppraisalMode.PAIRWISE.value,
        validators=[InputRequired()],
    )


class AssessorForm(FlaskForm):
    """Invite one assessor."""

    name = StringField("Assessor's name", validators=[DataRequired(), Length(max=MAX_NAME)])
    email = EmailField("E-mail (optional)", validators=[Optional(), Length(max=254)])
