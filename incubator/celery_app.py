from pathlib import Path

from celery import Celery

# No default settings module here: incubator/__init__.py imports this before wsgi.py runs, so a
# default would make `gunicorn incubator.wsgi` start with local settings. manage.py, wsgi.py,
# compose and the development stack each name theirs.

app = Celery("incubator")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_embedded_broker_folders(sender: Celery, **kwargs) -> None:
    """The filesystem transport (no REDIS_URL) expects its folders to exist, on both sides."""
    if not str(sender.conf.broker_url).startswith("filesystem"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
