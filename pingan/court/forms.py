"""Filter forms of the court's list pages (pingan.core.pages.filtered_page reads them)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pingan.orgs.models import Agency

from . import selectors
from .services import COURT_KINDS
from .workflow import COURT_CASE


def offer_courts(field: forms.ModelChoiceField, user) -> None:
    """A form's choice of court (import, application for confirmation): the user's own court and
    the tribunals below it (every court for a superuser or a user without agency; the permission
    rows decide at the service), the user's own court chosen first."""
    own = getattr(getattr(user, "agency", None), "path", None)
    qs = Agency.objects.filter(kind__in=COURT_KINDS, is_active=True).order_by("path")
    field.queryset = qs.filter(path__startswith=own) if own and not user.is_superuser else qs
    if getattr(user, "agency", None) in field.queryset:
        field.initial = user.agency


class CaseFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False)
    q = forms.CharField(label=_("案号或当事人"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("全部"))] + list(COURT_CASE.states.items())


class SeriesFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("办理情况"), required=False,
                               choices=[("", _("全部"))] + list(selectors.SERIES_STATUSES.items()))
    court = forms.TypedChoiceField(label=_("法院"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("系列案名称"), required=False, max_length=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The courts of the series the user may see (one query); no choice to offer with one court.
        courts = list(selectors.series_courts(user=user))
        if len(courts) > 1:
            self.fields["court"].choices = [("", _("全部"))] + [(c.pk, c.short_name or c.name) for c in courts]
        else:
            del self.fields["court"]
