"""Forms on the board summary (facilitators only): the note, quoted reasons, read-only links."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from ..services.board import DEFAULT_SHARE_DAYS, MAX_NOTE_LENGTH, MAX_SHARE_DAYS


class NoteForm(FlaskForm):
    """The facilitator's note: context, caveats and next steps for the board."""

    note = TextAreaField("Note for the board", validators=[Length(max=MAX_NOTE_LENGTH)])
    submit = SubmitField("Save the note")


class ShareForm(FlaskForm):
    """How long a read-only link to the summary works."""

    days = IntegerField(
        "Link works for (days)",
        default=DEFAULT_SHARE_DAYS,
        validators=[DataRequired(), NumberRange(min=1, max=MAX_SHARE_DAYS)],
    )
    submit = SubmitField("Create a read-only link")


class RevokeForm(FlaskForm):
    """Withdraw a read-only link (the CSRF token is the whole form)."""

    submit = SubmitField("Withdraw")


class FeatureForm(FlaskForm):
    """Which reasons to quote on a pair that divides the groups (ticked judgment ids)."""

    a = StringField(validators=[DataRequired(), Length(max=80)])
    b = StringField(validators=[DataRequired(), Length(max=80)])
    judgment = SelectMultipleField(coerce=int, validate_choice=False)
    submit = SubmitField("Quote the ticked reasons")
