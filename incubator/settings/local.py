from .base import *  # noqa: F403
from .base import env

# `make run` looks like the product: its own 404 and 500 pages, not Django's debug pages (errors
# still print their traceback in the terminal). DJANGO_DEBUG=true brings the debug pages back.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Static files straight from the source folders, debug or not: `make run` needs no collectstatic
# (the manifest storage of base.py needs one, so with DJANGO_DEBUG=false every page would fail).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# An edited stylesheet or script shows on the next reload, debug or not.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_MAX_AGE = 0
