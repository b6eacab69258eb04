"""gunicorn for chuancheng (deploy/systemd/chuancheng-web.service; docs/operations.md).

Sync workers: a request is short (exports and imports run as background jobs in db_worker), and
nginx buffers every upload and every answer, so a worker is busy only while Django works. The
count is gunicorn's rule, 2 × cores + 1 (9 on the reference 4-core server), overridable with
GUNICORN_WORKERS; each worker holds one database connection (CONN_MAX_AGE), so PostgreSQL's
max_connections must exceed workers + task workers + a margin for migrate and backups.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request longer than this is a bug or an attack; long work belongs in a background job.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows; the jitter keeps them from all
# restarting at once.
max_requests = 2000
max_requests_jitter = 200
# nginx in front sets X-Forwarded-For/-Proto; only it may (it connects from 127.0.0.1).
forwarded_allow_ips = "127.0.0.1"
# The access log is nginx's; gunicorn writes errors, and Django's log through stderr, here.
accesslog = None
errorlog = os.environ.get("GUNICORN_ERRORLOG", "/var/log/chuancheng/gunicorn.log")
capture_output = True
loglevel = "warning"
proc_name = "chuancheng"
