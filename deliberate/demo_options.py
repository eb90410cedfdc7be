"""The demo's options: three service models appraised pairwise by a panel of four assessors.

Each assessor's judgments are drawn around a shared view of what each option achieves on
each outcome, with log-normal noise (σ = 0.25), snapped to Saaty's scale. Funders'
priorities favour digital-first, service users' keeping the clinics, staff's the hubs.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import numpy as np

from .extensions import db
from .models import (
    AppraisalMode,
    Consultation,
    Membership,
    Option,
    OptionAppraisal,
    OptionJudgment,
    Outcome,
    Role,
    Synthesis,
    User,
)

OPTIONS = [
    (
        "Keep today's clinics",
        "Nine neighbourhood clinics stay open five days a week, as now.",
        4_200_000.0,
    ),
    (
        "Hub and spoke",
        "Three well-staffed hubs with specialist teams; six clinics become part-time spokes.",
        3_600_000.0,
    ),
    (
        "Digital first with outreach",
        "Online and phone appointments first; an outreach team for people who cannot use them.",
        2_900_000.0,
    ),
]
COST_UNIT = "£ a year"
#: What each option achieves on each outcome (demo outcome order), shared by the panel.
ACHIEVES = {
    "Efficiency": (0.17, 0.33, 0.50),
    "Effectiveness": (0.40, 0.38, 0.22),
    "Accountability": (0.38, 0.34, 0.28),
    "Equity": (0.46, 0.34, 0.20),
    "Probity": (0.34, 0.33, 0.33),
    "Prevention": (0.22, 0.42, 0.36),
    "Public confidence": (0.45, 0.33, 0.22),
}
ASSESSORS = ("Public health analyst", "Community nursing lead", "GP clinical lead", "Evidence team")


def add_demo_options(
    consultation: Consultation,
    outcomes: list[Outcome],
    scale: np.ndarray,
    start: datetime,
    seed: int = 19,
) -> None:
    """Add the options, a closed pairwise appraisal and its assessors' judgments."""
    rng = np.random.default_rng(seed)
    options = [
        Option(
            consultation=consultation,
            name=name,
            description=text,
            annual_cost=cost,
            cost_unit=COST_UNIT,
            position=position,
        )
        for position, (name, text, cost) in enumerate(OPTIONS)
    ]
    db.session.add_all(options)
    db.session.add(
        OptionAppraisal(
            consultation=consultation,
            mode=AppraisalMode.PAIRWISE,
            synthesis=Synthesis.DISTRIBUTIVE,
            opened_at=start + timedelta(days=3),
            closed_at=start + timedelta(days=12),
        )
    )
    db.session.flush()
    logs = np.log(scale)
    for name in ASSESSORS:
        user = User(display_name=name, created_at=start)
        membership = Membership(user=user, consultation=consultation, role=Role.ASSESSOR)
        db.session.add_all([user, membership])
        db.session.flush()
        for outcome in outcomes:
            truth = np.log(ACHIEVES[outcome.name])
            for i, j in itertools.combinations(range(len(options)), 2):
                x = truth[i] - truth[j] + rng.normal(0.0, 0.25)
                value = float(scale[np.abs(x - logs).argmin()])
                db.session.add(
                    OptionJudgment(
                        membership_id=membership.id,
                        outcome_id=outcome.id,
                        option_a_id=options[i].id,
                        option_b_id=options[j].id,
                        value=value,
                        updated_at=start + timedelta(days=5),
                    )
                )
