"""Background jobs of the procuratorate app (run by `pingan worker`)."""

from __future__ import annotations

from datetime import timedelta

from pingan.core.tasks import periodic


@periodic(every=timedelta(hours=1), name="procuratorate.recommendation_followups")
def recommendation_followups() -> int:
    """Remind, then escalate, recommendations not implemented after their reply deadline
    (the ladder is the core.Setting `procuratorate.recommendation_followup_ladder`). Idempotent:
    each ladder step is claimed once per recommendation."""
    from .services import run_followups

    return run_followups()


@periodic(every=timedelta(minutes=1), name="procuratorate.refresh_daily_counts")
def refresh_daily_counts() -> int:
    """Recount the statistics' daily counts of the days that writes have marked (rollup.py)."""
    from .rollup import refresh

    total = 0
    while n := refresh():
        total += n
    return total
