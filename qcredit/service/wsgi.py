"""The WSGI application `qcredit serve` hands to gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qcredit.service.settings")
application = get_wsgi_application()
