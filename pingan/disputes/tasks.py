"""Background jobs of the disputes app (run by `pingan worker`)."""

from __future__ import annotations

from django_tasks import task

from .models import ImportJob


@task()
def run_import(job_id: int) -> str:
    """Import a large ledger. Claimed with a compare-and-set so a task delivered twice runs once."""
    from . import ledger

    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    if claimed != 1:
        return "already handled"
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    return ledger.run(job).status
