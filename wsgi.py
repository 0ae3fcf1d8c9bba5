"""The WSGI entry point: `gunicorn wsgi:app` (configuration from PMS_* environment variables)."""
from pms import create_app

app = create_app()
