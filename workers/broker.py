"""The broker, as the workers see it: is it there (for /healthz), and the embedded one's upkeep.

Without REDIS_URL the broker is kombu's SQLAlchemy transport on a SQLite file under var/: each
message is a row written in one transaction, so a reader never sees half of one (the filesystem
transport's JSONDecodeError). Consumed messages stay in its table (kombu only hides them); the
sweeper prunes them. A message lost with a worker killed mid-task costs nothing: the outbox rows
are the truth, and the sweeper publishes again what was lost.
"""

import logging
import sqlite3
from datetime import datetime, timedelta

import redis

from incubator.celery_app import app, embedded_broker_file

logger = logging.getLogger(__name__)

KEEP_CONSUMED = timedelta(hours=1)


def _url() -> str:
    return str(app.conf.broker_url or "")


def ping(timeout: float = 1.0) -> bool:
    """Whether the broker answers now (within `timeout` seconds)."""
    url = _url()
    try:
        path = embedded_broker_file(url)
        if path is not None:
            with sqlite3.connect(path, timeout=timeout) as db:
                db.execute("SELECT 1")
            return True
        if url.startswith(("redis://", "rediss://")):
            client = redis.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
            try:
                return bool(client.ping())
            finally:
                client.close()
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # any error of any transport: the broker is not there
        logger.warning("The broker does not answer.", exc_info=True)
        return False


def prune() -> int:
    """Delete the embedded broker's consumed messages older than an hour."""
    path = embedded_broker_file(_url())
    if path is None or not path.exists():
        return 0
    cutoff = (datetime.now() - KEEP_CONSUMED).isoformat(sep=" ")
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute(
                "DELETE FROM kombu_message WHERE visible = 0 AND timestamp < ?", (cutoff,)
            ).rowcount
    except sqlite3.Error:
        logger.warning("Could not prune the embedded broker.", exc_info=True)
        return 0
