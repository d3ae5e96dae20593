"""Fill the copies added in 0003 (suspect and volunteer plan procuratorate, suspect received date)
and reload the permission rows, whose prosecutor scopes now read those copies."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    from pingan.orgs.seed import load_permission_file
    from pingan.procuratorate.seed import PERMISSIONS_FILE

    MinorCase = apps.get_model("procuratorate", "MinorCase")
    Suspect = apps.get_model("procuratorate", "Suspect")
    VolunteerPlan = apps.get_model("procuratorate", "VolunteerPlan")
    case = MinorCase.objects.filter(pk=OuterRef("case_id"))
    Suspect.objects.update(procuratorate_id=Subquery(case.values("procuratorate_id")),
                           received_on=Subquery(case.values("received_on")))
    suspect = Suspect.objects.filter(pk=OuterRef("suspect_id"))
    VolunteerPlan.objects.update(procuratorate_id=Subquery(suspect.values("procuratorate_id")))
    load_permission_file(PERMISSIONS_FILE, apps=apps)


class Migration(migrations.Migration):
    dependencies = [("procuratorate", "0003_denormalised_scope")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
