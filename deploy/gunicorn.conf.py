"""gunicorn settings for CX Academy: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.
Sync workers; nothing is kept in process memory that another server needs."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# Recycle workers now and then. `make bench` sets 0 (never): at a saturating load a worker would
# otherwise restart every few seconds, and the figures would measure restarts.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# "-" is stderr; GUNICORN_ACCESS_LOG=off turns the access log off (`make bench` does).
_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-")
accesslog = None if _access_log == "off" else _access_log
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"  # nginx on the same host sets X-Forwarded-*
