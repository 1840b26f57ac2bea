import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import release_key_prefix

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
CACHES = release_key_prefix(
    {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
SLACK_SIGNING_SECRET = "test-signing-secret"
SLACK_TEAM_ID = "T0COMMUNITY"
SLACK_APP_ID = "A0INCUBATOR"
SITE_URL = "http://testserver"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: worker threads and processes in the tests share it like the real thing.
    # One per pytest process, so two runs in one checkout don't collide.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"incubator-test-{os.getpid()}.sqlite3")
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # The same PostgreSQL, emptied between transactional tests by DELETE instead of TRUNCATE.
    DATABASES["default"]["ENGINE"] = "incubator.test_postgresql"  # noqa: F405
