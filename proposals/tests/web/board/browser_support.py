"""Helpers for the board's browser tests: Debian's Chromium through Playwright, logged in by cookie."""

import shutil
from pathlib import Path

from django.conf import settings

SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


def chromium_options() -> dict:
    return {
        "executable_path": shutil.which("chromium"),
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


def drag(page, card, target_list) -> None:
    """Drag with real mouse moves, the way SortableJS's pointer fallback expects them."""
    start = card.locator(".card-proposer").bounding_box()
    end = target_list.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + min(end["height"] / 2, 30), steps=15)


def drop(page) -> None:
    page.mouse.up()
