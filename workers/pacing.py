"""About one Slack message per second per channel, shared by every worker.

With Redis, a slot reservation in Redis (atomic Lua): each caller gets the next free slot of the
channel and is told how long to wait for it. Without Redis (the embedded broker of `make run`, all
processes on one machine), the same bookkeeping in a small file under an exclusive lock.
"""

import fcntl
import json
import time
from functools import cache
from pathlib import Path

import redis
from django.conf import settings

_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
redis.call('SET', KEYS[1], slot + interval, 'PX', slot - now + interval * 10)
return slot - now
"""


@cache
def _redis_script(url: str):
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2).register_script(
        _RESERVE
    )


def _interval_ms() -> int:
    return max(1, int(1000 / settings.SLACK_MESSAGES_PER_SECOND))


def reserve(channel: str) -> float:
    """Reserve the channel's next free slot; return the seconds until it (0 when it is now)."""
    if settings.REDIS_URL:
        wait_ms = _redis_script(settings.REDIS_URL)(
            keys=[f"incubator:slack-pace:{channel}"], args=[_interval_ms()]
        )
        return int(wait_ms) / 1000
    return _reserve_in_file(channel)


def _reserve_in_file(channel: str) -> float:
    path = Path(settings.WORKERS_PACE_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        try:
            slots = json.loads(handle.read() or "{}")
        except ValueError:
            slots = {}
        now = time.time()
        slot = max(now, slots.get(channel, 0.0))
        slots = {key: value for key, value in slots.items() if value > now}
        slots[channel] = slot + _interval_ms() / 1000
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(slots))
        return slot - now
