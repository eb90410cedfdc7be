"""A realistic demo consultation: a community health service weighing its outcomes.

Sixty synthetic stakeholders in three groups judge seven public value outcomes. Their
judgments carry real structure — funders lean to efficiency, service users to
effectiveness and equity, staff to prevention — with honest noise, a few inconsistent
people, and reasons on the pairs that divide them. Round 1 is closed; round 2 is open
with about half of the stakeholders having revised their answers after discussion.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import numpy as np

from .demo_options import add_demo_options
from .extensions import db
from .models import (
    AuditEvent,
    Consultation,
    Judgment,
    Membership,
    Outcome,
    Role,
    Round,
    StakeholderGroup,
    Status,
    User,
    Weighting,
    utcnow,
)
from .services.errors import transactional

DEMO_TITLE = "Community health service priorities 2027"
DEMO_PASSWORD = "demo"
FACILITATOR_EMAIL = "facilitator@example.org"
BOARD_EMAIL = "board@example.org"

SCALE = np.array(
    [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
)

OUTCOMES = [
    ("Efficiency", "Getting the most care from every pound of public money."),
    ("Effectiveness", "Care that measurably improves people's health and independence."),
    ("Accountability", "Decisions explained to, and open to challenge by, the public."),
    ("Equity", "Fair access and outcomes for the people with the greatest need."),
    ("Probity", "Honest, lawful use of public funds and resources."),
    ("Prevention", "Stopping illness and crises before they need acute care."),
    ("Public confidence", "Residents trust the service and would recommend it."),
]

# Group-specific priorities (same order as OUTCOMES) and group sizes.
GROUPS = {
    "Funders": (
        "Commissioners and the council's finance committee.",
        [0.30, 0.15, 0.15, 0.07, 0.13, 0.12, 0.08],
        20,
    ),
    "Service users": (
        "Patients, carers and their advocates.",
        [0.06, 0.27, 0.10, 0.27, 0.05, 0.13, 0.12],
        22,
    ),
    "Staff": (
        "Nurses, therapists, GPs and support workers.",
        [0.08, 0.19, 0.08, 0.13, 0.06, 0.34, 0.12],
        18,
    ),
}

REASONS = {
    ("Efficiency", "Equity", "Funders", "a"): [
        "Every pound wasted is a pound not spent on someone's care.",
        "The budget is fixed; without efficiency nothing else is affordable.",
        "We are accountable to taxpayers for value for money.",
    ],
    ("Efficiency", "Equity", "Service users", "b"): [
        "The people with the greatest need are the ones the service misses.",
        "Cheap services that exclude disabled people are not efficient.",
        "Fairness has to come first or trust is lost.",
    ],
    ("Efficiency", "Prevention", "Staff", "b"): [
        "Prevention is what saves money in the long run.",
        "We see the same crises again and again because nobody invested upstream.",
    ],
    ("Efficiency", "Prevention", "Funders", "a"): [
        "Prevention savings arrive years later; this year's deficit is real.",
    ],
    ("Efficiency", "Effectiveness", "Service users", "b"): [
        "A service that doesn't help is not efficient, however cheap.",
    ],
}

FIRST_NAMES = [
    "Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hassan", "Isla", "Jack", "Kiran",
    "Lena", "Marek", "Nia", "Owen", "Priya", "Quentin", "Rosa", "Sam", "Tomasz", "Uma", "Vik",
    "Wen", "Yusuf", "Zara", "Aled", "Bea", "Cormac", "Dina", "Eshan",
]  # fmt: skip
SURNAME_INITIALS = "ABCDEFGHJKLMNPRSTW"


def nearest_scale_value(ratio: np.ndarray) -> np.ndarray:
    """Snap ratios to the nearest value of Saaty's scale, measured on the log scale."""
    logs = np.log(SCALE)
    index = np.abs(np.log(ratio)[..., None] - logs).argmin(axis=-1)
    return SCALE[index]


def _judgments_for(
    rng: np.random.Generator, base: np.ndarray, inconsistent: bool
) -> dict[tuple[int, int], float]:
    """One stakeholder's judgments on every pair (i < j) of outcomes."""
    n = len(base)
    pairs = list(itertools.combinations(range(n), 2))
    if inconsistent:
        return {pair: float(rng.choice(SCALE)) for pair in pairs}
    weights = base * np.exp(rng.normal(0.0, 0.3, n))
    ratios = np.array([weights[i] / weights[j] for i, j in pairs])
    values = nearest_scale_value(ratios * np.exp(rng.normal(0.0, 0.25, len(pairs))))
    return dict(zip(pairs, values.tolist(), strict=True))


def _reason(rng: np.random.Generator, names: tuple[str, str], group: str, value: float) -> str:
    """A reason for a judgment on a divisive pair, sometimes (people often skip it)."""
    side = "a" if value > 1 else "b" if value < 1 else None
    options = REASONS.get((*names, group, side)) if side else None
    if not options or rng.random() > 0.6:
        return ""
    return str(rng.choice(options))


def _staff_user(email: str, name: str) -> User:
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None:
        user = User(email=email, display_name=name)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    return user


@transactional
def load_demo(seed: int = 2027) -> tuple[bool, Consultation]:
    """Create the demo consultation unless it exists; return (created, consultation)."""
    facilitator = _staff_user(FACILITATOR_EMAIL, "Demo Facilitator")
    board = _staff_user(BOARD_EMAIL, "Demo Board Member")
    db.session.flush()
    existing = db.session.scalar(
        db.select(Consultation)
        .join(Membership)
        .filter(Consultation.title == DEMO_TITLE, Membership.user_id == facilitator.id)
    )
    if existing is not None:
        return False, existing

    rng = np.random.default_rng(seed)
    start = utcnow() - timedelta(days=21)
    consultation = Consultation(
        title=DEMO_TITLE,
        question="What should our community health service prioritise over the next three years?",
        description=(
            "The integrated care board is setting the service's priorities for 2027–2030. "
            "We are asking funders, the people who use the service and the staff who run it "
            "to weigh seven outcomes against each other."
        ),
        status=Status.OPEN,
        weighting=Weighting.GROUPS,
        anonymity_k=3,
        created_at=start,
        facilitator_note=(
            "Round 1 ran for two weeks; a workshop on the divisive pairs followed before round 2."
        ),
    )
    db.session.add(consultation)
    outcomes = [
        Outcome(consultation=consultation, name=name, description=text, position=index)
        for index, (name, text) in enumerate(OUTCOMES)
    ]
    groups = {
        name: StakeholderGroup(consultation=consultation, name=name, description=text)
        for name, (text, _, _) in GROUPS.items()
    }
    db.session.add_all([*outcomes, *groups.values()])
    db.session.add_all(
        [
            Membership(user=facilitator, consultation=consultation, role=Role.FACILITATOR),
            Membership(user=board, consultation=consultation, role=Role.BOARD),
        ]
    )
    round_one = Round(
        consultation=consultation,
        number=1,
        opened_at=start,
        closed_at=start + timedelta(days=14),
    )
    round_two = Round(consultation=consultation, number=2, opened_at=start + timedelta(days=16))
    db.session.add_all([round_one, round_two])
    db.session.flush()

    names = iter(
        f"{first} {initial}." for initial, first in itertools.product(SURNAME_INITIALS, FIRST_NAMES)
    )
    name_order = list(itertools.islice(names, 200))
    rng.shuffle(name_order)
    people = iter(name_order)
    inconsistent_left = {"Funders": 1, "Service users": 2, "Staff": 1}
    for group_name, (_, base, size) in GROUPS.items():
        group = groups[group_name]
        base_weights = np.asarray(base)
        for _ in range(size):
            user = User(display_name=next(people), created_at=start)
            joined = start + timedelta(hours=float(rng.uniform(1, 300)))
            membership = Membership(
                user=user,
                consultation=consultation,
                role=Role.STAKEHOLDER,
                group=group,
                joined_at=joined,
                finished_at=joined + timedelta(minutes=float(rng.gamma(4.0, 2.5))),
            )
            db.session.add_all([user, membership])
            inconsistent = inconsistent_left[group_name] > 0 and rng.random() < 0.2
            inconsistent_left[group_name] -= int(inconsistent)
            first = _judgments_for(rng, base_weights, inconsistent)
            _add_judgments(rng, membership, round_one, outcomes, first, group_name, joined)
            if rng.random() < 0.5:
                # After the workshop: revise towards the group, keep most answers.
                second = _judgments_for(rng, base_weights, inconsistent=False)
                revised = {
                    pair: second[pair] if rng.random() < 0.4 else value
                    for pair, value in first.items()
                }
                later = round_two.opened_at + timedelta(hours=float(rng.uniform(1, 48)))
                _add_judgments(rng, membership, round_two, outcomes, revised, group_name, later)

    add_demo_options(consultation, outcomes, SCALE, start)
    db.session.add_all(
        [
            AuditEvent(
                consultation_id=consultation.id,
                user_id=facilitator.id,
                action=action,
                detail=detail,
                created_at=when,
            )
            for action, detail, when in (
                ("consultation.created", DEMO_TITLE, start),
                ("round.opened", "Round 1", start),
                ("round.closed", "Round 1", round_one.closed_at),
                ("round.opened", "Round 2", round_two.opened_at),
            )
        ]
    )
    return True, consultation


def _add_judgments(
    rng: np.random.Generator,
    membership: Membership,
    round_: Round,
    outcomes: list[Outcome],
    values: dict[tuple[int, int], float],
    group_name: str,
    when: datetime,
) -> None:
    """Store one stakeholder's judgments for a round, with a reason where they gave one."""
    for (i, j), value in values.items():
        first, second = outcomes[i], outcomes[j]
        db.session.add(
            Judgment(
                membership=membership,
                round=round_,
                outcome_a_id=first.id,
                outcome_b_id=second.id,
                value=value,
                reason=_reason(rng, (first.name, second.name), group_name, value),
                updated_at=when,
            )
        )
