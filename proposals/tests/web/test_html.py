"""web/html.py's `esc` writes what `{{ value }}` writes, for every kind of value, however often
the same text comes back (its memo of short texts never mixes a safe string with a plain one)."""

from django.template import Context, Template
from django.utils.safestring import mark_safe

from proposals.web.html import SHORT, esc

TEMPLATE = Template("{{ value }}")


def test_esc_writes_what_the_template_writes():
    values = ["<b>&'\"", mark_safe("<b>&amp;</b>"), 42, None, "x" * (SHORT + 1) + "<", "さくら"]
    for _twice in range(2):
        for value in values:
            assert esc(value) == TEMPLATE.render(Context({"value": value})), value


def test_a_safe_string_and_the_same_plain_text_stay_apart():
    text = "<i>same</i>"
    assert esc(text) == "&lt;i&gt;same&lt;/i&gt;"
    assert esc(mark_safe(text)) == text
    assert esc(text) == "&lt;i&gt;same&lt;/i&gt;"
