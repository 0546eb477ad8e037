"""gunicorn settings for CX Academy: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.
Sync workers; nothing is kept in process memory that another server needs."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
max_requests = 2000          # recycle workers now and then
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"  # nginx on the same host sets X-Forwarded-*
