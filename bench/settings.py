"""The app's own settings on the bench's database, broker and cache, plus the floor view's URL.

bench/__main__.py chooses them once and passes them on in the environment, so gunicorn and the
write benchmark's processes use the same ones:
    BENCH_DATABASE_URL  this run's database (never the configured one)
    BENCH_RUN           this run's name: its Celery queue and exchange, and its cache key prefix
    BENCH_REDIS_URL     a reachable local Redis (db 7) for the broker and the cache, as in
                        production; when empty, the embedded broker (Kombu's filesystem
                        transport) and a file cache in var/bench/, as `make run` has without Redis
Tasks published after each commit are only queued (no worker consumes them, except in
bench/workers.py), so a write costs what it costs in production: one publish per delivery. Eager
mode (CELERY_TASK_ALWAYS_EAGER) would instead run every delivery inside the write.
"""

import os
import warnings

from incubator.settings.base import *  # noqa: F403
from incubator.settings.base import CACHES, DATABASES, VAR_DIR, env

# Same engine as DATABASE_URL (bench/__main__.py derives one from the other), so the connection
# options set by base.py (SQLite's WAL and busy timeout) still apply.
DATABASES = {"default": {**DATABASES["default"], **env.db("BENCH_DATABASE_URL")}}

BENCH_RUN = os.environ.get("BENCH_RUN", "bench")
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "")
BENCH_DIR = VAR_DIR / "bench" / BENCH_RUN

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No Slack: a Slack delivery left pending would be swept up and sent by bench/workers.py's worker.
# (bench/writes.py turns Slack on in its own processes; bench/workers.py uses its fake Slack.)
SLACK_BOT_TOKEN = ""
REDIS_URL = BENCH_REDIS_URL

# A queue and exchange of this run's own: nothing else reads them, and they are deleted at the end.
CELERY_TASK_DEFAULT_QUEUE = BENCH_RUN
CELERY_TASK_DEFAULT_EXCHANGE = BENCH_RUN
CELERY_TASK_DEFAULT_ROUTING_KEY = BENCH_RUN
_release_prefix = CACHES["default"].get("KEY_PREFIX", "")
if BENCH_REDIS_URL:
    CELERY_BROKER_URL = BENCH_REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": BENCH_REDIS_URL,
            "KEY_PREFIX": f"{BENCH_RUN}:{_release_prefix}",
        }
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BENCH_DIR / "broker"),
        "data_folder_out": str(BENCH_DIR / "broker"),
        "processed_folder": str(BENCH_DIR / "broker-processed"),
        "store_processed": False,
        "control_folder": str(BENCH_DIR / "broker-control"),
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BENCH_DIR / "cache"),
            "KEY_PREFIX": _release_prefix,
        }
    }
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
# The bench serves static files through the finders; no collectstatic output is needed.
warnings.filterwarnings("ignore", message="No directory at")
