"""What people other than the facilitator may learn of a round: the one way results leave.

Every page, chart, PDF, CSV and API answer for a board member, a stakeholder or a
read-only link reads a round's results through :func:`published_report` (or, for the board
summary, through :func:`publishable_report` and :func:`deliberate.engine.public_view`).
Reports include the options appraisal where the consultation has one, so options are
disclosed by the same rules.
The guarantee, written out in docs/METHODS.md ("Disclosure control"):

* nothing of an open round;
* a group with fewer than k people who answered is left out before the analysis, so no
  published figure (overall n, weights, spreads, shares, ω², flags, counts) depends on
  its members' answers;
* consistency counts only where at least k people are on each side; bootstrap intervals
  only for blocks of 2k people; cluster profiles only when every cluster has k people;
* a second view that leaves inconsistent people out only where, in every group, it leaves
  out nobody or at least k people, so two views never differ by fewer than k people.
"""

from __future__ import annotations

from ..engine import PublicView, Report, public_view
from ..models import Role, Round
from .cache import LRUCache
from .errors import ServiceError
from .options import options_report
from .results import DEFAULT_BOOTSTRAP, round_report

#: Public views, each beside the report it was made from, by round and request. Reports are
#: cached objects that change whenever answers, settings or the appraisal do, so a view is
#: reused (read-only, never deep-copied again) while its report is the same object.
_VIEWS: LRUCache[tuple[Report, PublicView]] = LRUCache(64)


class Undisclosed(ServiceError):
    """A view that would let someone learn fewer than k people's answers."""

    default_status = 409


def sees_everything(role: Role) -> bool:
    """Whether people in ``role`` read the full report (facilitators only)."""
    return role is Role.FACILITATOR


def small_groups(report: Report, k: int) -> list[str]:
    """The groups with fewer than ``k`` people in the report's aggregates."""
    return sorted(name for name, g in report["groups"].items() if g["size"] < k)


def publishable_report(
    round_: Round, *, bootstrap: int = DEFAULT_BOOTSTRAP, with_options: bool = True
) -> Report | None:
    """The round's full report analysed without the groups below the anonymity threshold.

    What :func:`deliberate.engine.public_view` turns into the public view; None while nobody
    has answered or nobody is left. Raises :class:`Undisclosed` for an open round.
    """
    if round_.is_open:
        raise Undisclosed(
            f"Round {round_.number} is still open, so its results may change. They are "
            "shown once the facilitator closes the round.",
            403,
        )
    report = options_report if with_options else round_report
    full = report(round_, bootstrap=bootstrap)
    if full is None:
        return None
    small = small_groups(full, round_.consultation.anonymity_k)
    if len(small) == len(full["groups"]) or not any(full["groups"][g]["size"] for g in small):
        return full  # nothing to leave out, or everything: the public view withholds it all
    return report(round_, bootstrap=bootstrap, leave_out=small)


def _consistent_only(round_: Round, base: Report, bootstrap: int, with_options: bool) -> Report:
    """The report without inconsistent people, if every group loses none or at least k."""
    k = round_.consultation.anonymity_k
    shown = [g for g, block in base["groups"].items() if block["size"] >= k]
    lost = dict.fromkeys(shown, 0)
    for person in base["participants"]:
        if person["group"] in lost and not person["consistent"]:
            lost[person["group"]] += 1
    kept = {g: base["groups"][g]["size"] - lost[g] for g in shown}
    # A group that keeps fewer than k is left out whole: all its members differ.
    differences = [base["groups"][g]["size"] if kept[g] < k else lost[g] for g in shown]
    if any(0 < d < k for d in differences):
        raise Undisclosed(
            f"Leaving out inconsistent answers would change the results by fewer than {k} "
            "people in a group, which could reveal them; the results are shown with "
            "every answer only."
        )
    leave_out = [g for g in base["groups"] if g not in shown or kept[g] < k]
    report = (options_report if with_options else round_report)(
        round_, exclude_inconsistent=True, bootstrap=bootstrap, leave_out=leave_out
    )
    if report is None:
        raise Undisclosed(f"No group has {k} or more consistent answers to show apart.")
    return report


def published_report(
    round_: Round,
    role: Role,
    *,
    exclude_inconsistent: bool = False,
    bootstrap: int = DEFAULT_BOOTSTRAP,
    with_options: bool = True,
) -> Report | PublicView | None:
    """The round's results as people in ``role`` may read them, or None before any answer.

    ``with_options`` adds the options appraisal where there is one (pages that show only
    the outcomes' priorities, such as a stakeholder's own comparison, leave it out).

    Facilitators get the engine's full report; everyone else the public view of
    :func:`publishable_report`, shared between requests: read it, never change it.

    Raises
    ------
    Undisclosed
        403 for an open round; 409 for ``exclude_inconsistent`` where the two views would
        differ by fewer than k people in some group.
    """
    if sees_everything(role):
        analyse = options_report if with_options else round_report
        return analyse(round_, exclude_inconsistent=exclude_inconsistent, bootstrap=bootstrap)
    base = publishable_report(round_, bootstrap=bootstrap, with_options=with_options)
    if base is None:
        return None
    report = (
        _consistent_only(round_, base, bootstrap, with_options) if exclude_inconsistent else base
    )
    k = round_.consultation.anonymity_k
    key = (round_.id, exclude_inconsistent, bootstrap, with_options, k)
    cached = _VIEWS.get(key)
    if cached is not None and cached[0] is report:
        return cached[1]
    return _VIEWS.put(key, (report, public_view(report, k)))[1]
