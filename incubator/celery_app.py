from pathlib import Path

from celery import Celery

# No default settings module here: incubator/__init__.py imports this before wsgi.py runs, so a
# default would make `gunicorn incubator.wsgi` start with local settings. manage.py, wsgi.py,
# compose and the development stack each name theirs.

app = Celery("incubator")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

EMBEDDED_PREFIX = "sqla+sqlite:///"


def embedded_broker_file(url: str) -> Path | None:
    """The SQLite file of the embedded broker (no REDIS_URL), None for any other broker."""
    url = str(url or "")
    return Path(url.removeprefix(EMBEDDED_PREFIX)) if url.startswith(EMBEDDED_PREFIX) else None


@app.on_after_configure.connect
def _make_embedded_broker_folder(sender: Celery, **kwargs) -> None:
    """SQLite creates the broker's file, not its folder: make it, on both sides."""
    path = embedded_broker_file(sender.conf.broker_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
