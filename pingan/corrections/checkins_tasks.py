"""Check-in scans run by `pingan worker`, the check-in permission file's registration and the
navigation entry of the check-in board. Imported from CorrectionsConfig.ready(). Both scans are idempotent (one miss row per person per
window; a roll-call target is marked missed once)."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from pingan.core.tasks import periodic
from pingan.orgs.navigation import REGISTRY, NavItem
from pingan.orgs.seed import register_permission_file

from . import checkins
from .checkins_seed import PERMISSIONS_FILE

register_permission_file(PERMISSIONS_FILE)
_NAV = NavItem(_("人脸签到"), "corrections_checkins:board", "corrections.checkin")
if _NAV not in REGISTRY:
    REGISTRY.append(_NAV)


@periodic(every=timedelta(minutes=5), name="corrections.scan_missed_checkins")
def scan_missed_checkins() -> None:
    checkins.scan_missed_checkins()


@periodic(every=timedelta(minutes=1), name="corrections.scan_missed_roll_calls")
def scan_missed_roll_calls() -> None:
    checkins.scan_missed_roll_calls()


@periodic(every=timedelta(hours=6), name="corrections.retire_ended_face_enrolments")
def retire_ended_enrolments() -> None:
    checkins.retire_ended_enrolments()
