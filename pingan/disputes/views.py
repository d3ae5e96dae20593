from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def _todo(request, *args, **kwargs):
    return HttpResponse("todo")


dispute_list = dispute_create = import_upload = import_template = import_detail = _todo
import_errors = import_progress = dispute_detail = duplicate_decide = _todo
