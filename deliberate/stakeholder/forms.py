"""Forms for joining a consultation."""

from flask_wtf import FlaskForm
from wtforms import Field, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from ..validation import name_problem


def printable_name(_form: FlaskForm, field: Field) -> None:
    """Refuse names with line breaks, invisible or control characters."""
    problem = name_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class JoinForm(FlaskForm):
    """The name a stakeholder is shown by to the facilitator."""

    display_name = StringField(
        "Your name, as the facilitator will see it",
        validators=[DataRequired(), Length(max=80), printable_name],
    )
    submit = SubmitField("Start comparing")


class ContinueForm(FlaskForm):
    """Carry on as the member an invitation link belongs to (a POST, so no other site can)."""

    submit = SubmitField("Continue")


class CodeForm(FlaskForm):
    """A consultation's registration code."""

    code = StringField("Consultation code", validators=[DataRequired(), Length(max=32)])
    submit = SubmitField("Continue")


class RegisterForm(JoinForm):
    """Self-registration: a name and one's own stakeholder group."""

    group = SelectField("Which group do you belong to?", coerce=int)
