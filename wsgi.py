"""WSGI entry point for gunicorn and `flask --app wsgi`."""
import sys

from cxacademy import create_app
from cxacademy.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    sys.exit(f"CX Academy cannot start: {error}")
