"""Slack's events (the Events API over HTTP, or Socket Mode), as the handlers receive them.

An event callback is checked for shape where it arrives (`inbound` or the Socket Mode runner),
recorded once by its `event_id` (Slack retries), and handed to a worker, which calls
`handlers.event` with a `SlackEvent`. Each event type has one handler, in the module of the
capability it belongs to (threads, App Home, unfurls, shortcuts); `handlers.EVENT_HANDLERS` lists
them. A handler never answers Slack directly: what it sends goes through the outbox or is
published by name after commit.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SlackEvent:
    event_id: str
    team_id: str
    type: str  # the inner event's type: "message", "app_home_opened", "link_shared", …
    # The inner event as Slack sent it: an object, already checked for NUL bytes; each handler
    # checks the fields it reads.
    event: dict
    # It happened in a channel shared with another organisation (Slack Connect): people outside
    # the workspace are in it (the envelope's `is_ext_shared_channel`).
    ext_shared: bool = False
