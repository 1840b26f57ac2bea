"""Dates read one way per language, whichever of Django's named formats a page asks for."""

from datetime import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

MOMENT = datetime(2026, 1, 5, 16, 30)
TEMPLATE = Template(
    "{{ m|date:'DATE_FORMAT' }}|{{ m|date:'SHORT_DATE_FORMAT' }}|"
    "{{ m|date:'DATETIME_FORMAT' }}|{{ m|date:'SHORT_DATETIME_FORMAT' }}"
)


@pytest.mark.parametrize(
    ("language", "date", "date_and_time"),
    [("en", "Jan 5, 2026", "Jan 5, 2026, 4:30 PM"), ("ja", "2026年1月5日", "2026年1月5日 16:30")],
)
def test_one_date_format_per_language(language, date, date_and_time):
    with translation.override(language):
        shown = TEMPLATE.render(Context({"m": MOMENT})).split("|")
    assert shown == [date, date, date_and_time, date_and_time]
