"""Forms of the facilitator's set-up pages (parsing only; the services validate and save)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import Design, FeedbackTiming, Role, Weighting
from ..services.consultations import (
    MAX_ANONYMITY_K,
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
    SUGGESTED_GROUPS,
    WEIGHTING_EXPLAINED,
    WEIGHTING_LABELS,
    Settings,
)

DESIGN_LABELS = {
    Design.ALL_PAIRS: "All pairs: everyone compares every pair of outcomes",
    Design.REDUCED: "Reduced: each person compares a connected subset of pairs "
    "(for more than 7 outcomes)",
}
PREVIOUS_RESULTS_LABELS = {
    FeedbackTiming.BEFORE: "Before they answer again (Delphi style): the last round's results "
    "first, then their answers",
    FeedbackTiming.AFTER: "After their own answers: they answer afresh, then see how the last "
    "round compares",
}


class ConsultationForm(FlaskForm):
    """Title and question; used alone to create a consultation."""

    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    question = TextAreaField(
        "Public value question", validators=[DataRequired(), Length(max=MAX_TEXT)]
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=MAX_TEXT)])


class NewConsultationForm(ConsultationForm):
    """A new consultation with its first stakeholder groups."""

    suggested = SelectMultipleField(
        "Suggested groups",
        choices=[SelectChoice(name, name) for name in SUGGESTED_GROUPS],
        default=list(SUGGESTED_GROUPS),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    other_groups = TextAreaField(
        "Other groups (one per line)", validators=[Optional(), Length(max=MAX_TEXT)]
    )
    submit = SubmitField("Create consultation")

    def group_names(self) -> list[str]:
        """Ticked suggestions, then the other groups typed one per line."""
        typed = [line.strip() for line in (self.other_groups.data or "").splitlines()]
        return [*(self.suggested.data or []), *(name for name in typed if name)]

    def settings(self) -> Settings:
        """The new consultation's settings (defaults for everything not asked here)."""
        return Settings(
            title=self.title.data or "",
            question=self.question.data or "",
            description=self.description.data or "",
        )


class SettingsForm(ConsultationForm):
    """Everything about a consultation except its outcomes, groups and people."""

    weighting = RadioField(
        "Whose voice counts how much",
        choices=[SelectChoice(w.value, WEIGHTING_LABELS[w]) for w in Weighting],
        validators=[InputRequired()],
    )
    anonymity_k = IntegerField(
        "Anonymity threshold k",
        validators=[InputRequired(), NumberRange(min=1, max=MAX_ANONYMITY_K)],
    )
    consistency_threshold = FloatField(
        "Consistency threshold (CR)", validators=[Optional(), NumberRange(min=0.001, max=1)]
    )
    design = RadioField(
        "Comparison design",
        choices=[SelectChoice(d.value, DESIGN_LABELS[d]) for d in Design],
        validators=[InputRequired()],
    )
    self_registration = BooleanField("Let people join with a registration code")
    previous_results = RadioField(
        "In round 2 and later, stakeholders see the previous round's results",
        choices=[SelectChoice(t.value, PREVIOUS_RESULTS_LABELS[t]) for t in FeedbackTiming],
        validators=[Optional()],
    )
    submit = SubmitField("Save settings")

    explained = WEIGHTING_EXPLAINED

    def settings(self) -> Settings:
        """The settings as submitted."""
        return Settings(
            title=self.title.data or "",
            question=self.question.data or "",
            description=self.description.data or "",
            weighting=Weighting(self.weighting.data),
            anonymity_k=int(self.anonymity_k.data or 0),
            consistency_threshold=self.consistency_threshold.data,
            design=Design(self.design.data),
            self_registration=bool(self.self_registration.data),
            previous_results=FeedbackTiming(self.previous_results.data)
            if self.previous_results.data
            else None,
        )


class OutcomeForm(FlaskForm):
    """An outcome's name and plain description."""

    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME)])
    description = TextAreaField("Plain description", validators=[Optional(), Length(max=MAX_TEXT)])
    submit = SubmitField("Save outcome")


class GroupForm(FlaskForm):
    """A stakeholder group's name, description and (for custom weighting) weight."""

    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=MAX_TEXT)])
    weight = FloatField(
        "Weight (custom weighting only)", validators=[Optional(), NumberRange(min=0, max=1000)]
    )
    submit = SubmitField("Save group")


class MoveForm(FlaskForm):
    """Move an outcome up or down."""

    direction = HiddenField(validators=[DataRequired()])


class InviteForm(FlaskForm):
    """One invitation: a stakeholder into a group, or a co-facilitator or board member."""

    name = StringField("Name", validators=[Optional(), Length(max=MAX_NAME)])
    email = EmailField("E-mail (optional)", validators=[Optional(), Length(max=254)])
    role = SelectField(
        "Invite as",
        choices=[
            SelectChoice(Role.STAKEHOLDER.value, "Stakeholder"),
            SelectChoice(Role.FACILITATOR.value, "Co-facilitator"),
            SelectChoice(Role.BOARD.value, "Board member"),
        ],
        default=Role.STAKEHOLDER.value,
    )
    group = SelectField("Group", coerce=int, validate_choice=False)
    send_email = BooleanField("E-mail the link")
    submit = SubmitField("Create invitation")


class ImportForm(FlaskForm):
    """A CSV file of stakeholders to invite."""

    file = FileField("CSV file (columns name,email,group)", validators=[FileRequired()])
    send_email = BooleanField("E-mail each person their link")
    submit = SubmitField("Import and create links")


class AccountForm(FlaskForm):
    """A new facilitator or board member's account."""

    display_name = StringField("Your name", validators=[DataRequired(), Length(max=MAX_NAME)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password (at least 10 characters)", validators=[DataRequired()])
    submit = SubmitField("Create account and accept")
