"""About one Slack message per second per channel, shared by every worker."""

import time

from workers import pacing

from .conftest import REDIS_TEST_URL


def test_pacing_shares_one_message_per_second_per_channel_through_redis(settings):
    settings.REDIS_URL = REDIS_TEST_URL
    settings.SLACK_MESSAGES_PER_SECOND = 1
    channel = f"CTEST{time.time_ns()}"
    waits = [pacing.reserve(channel) for _ in range(3)]
    assert waits[0] == 0
    assert 0.9 <= waits[1] <= 1.0 and 1.9 <= waits[2] <= 2.0
    assert pacing.reserve("COTHER" + channel) == 0


def test_without_redis_the_workers_of_one_machine_share_the_pace_through_a_file(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.WORKERS_PACE_FILE = str(tmp_path / "pace.json")
    settings.SLACK_MESSAGES_PER_SECOND = 1
    waits = [pacing.reserve("C0FILE") for _ in range(2)]
    assert waits[0] == 0
    assert 0.9 <= waits[1] <= 1.0
    assert pacing.reserve("C0OTHER") == 0
