"""The app's own settings on the bench database, plus the floor view's URL. Nothing leaves the process."""

import warnings

from incubator.settings.base import *  # noqa: F403
from incubator.settings.base import DATABASES, env

# Same engine as DATABASE_URL (bench/__main__.py derives one from the other), so the connection
# options set by base.py (SQLite's WAL and busy timeout) still apply.
DATABASES = {"default": {**DATABASES["default"], **env.db("BENCH_DATABASE_URL")}}

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
SLACK_BOT_TOKEN = ""
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
# The bench serves static files through the finders; no collectstatic output is needed.
warnings.filterwarnings("ignore", message="No directory at")
