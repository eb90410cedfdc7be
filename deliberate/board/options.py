"""The options section of the board summary: only what the public view lets a board see."""

from __future__ import annotations

from typing import Any

from ..charts import cost_value_chart
from ..engine import public_view
from ..models import Round
from ..services import disclosure
from ..services import options as service
from .routes import bp


@bp.app_template_global()
def options_for_board(round_: Round) -> Any:
    """Best option overall and per group, how sure, value for money; no assessor by name."""
    consultation = round_.consultation
    if service.appraisal_of(consultation) is None:
        return None
    try:
        report = disclosure.publishable_report(round_)
    except disclosure.Undisclosed:
        return None
    view = public_view(report, consultation.anonymity_k) if report else None
    found = service.options_view(view, consultation)
    if found and "cost_value" in found:
        found["chart"] = cost_value_chart(**found["cost_value"])
    return found
