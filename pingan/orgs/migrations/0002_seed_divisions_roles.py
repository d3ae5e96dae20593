# The district's divisions (from pingan/orgs/data/divisions_520204.json) and the default roles and
# permission rows (pingan/orgs/data/roles.json). Later apps load their own permission files in
# their own migrations.

from django.db import migrations


def forwards(apps, schema_editor):
    from pingan.orgs.seed import ROLES_FILE, load_divisions, load_permission_file

    load_divisions(apps=apps)
    load_permission_file(ROLES_FILE, apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
