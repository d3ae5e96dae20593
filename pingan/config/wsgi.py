import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingan.config.settings")
django_application = get_wsgi_application()

# Position reports from OsmAnd/Traccar clients skip Django's middleware (corrections/osmand_http.py).
from pingan.corrections.osmand_http import wrap  # noqa: E402

application = wrap(django_application)
