from html.parser import HTMLParser

import pytest

from proposals.markdown import render_markdown


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](vbscript:msgbox(1))",
        "<a href='#' hx-get='/admin/'>x</a>",
        "<img src=x onerror='alert(1)'>",
        "<div hx-post='/proposals/1/' hx-trigger='load'>x</div>",
        "![x](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_dangerous_markup_never_becomes_an_element(source):
    for tag, attrs in elements(render_markdown(source)):
        assert tag not in {"script", "img", "div", "iframe"}
        for name, value in attrs.items():
            assert not name.startswith(("on", "hx-", "data-")), name
            assert not (value or "").lower().startswith(("javascript:", "vbscript:", "data:"))


def test_ordinary_markdown_is_rendered():
    html = render_markdown(
        "# やってみたい\n\n**太字** と [リンク](https://example.org)\n\n- 一つ目"
    )
    assert "<h1>やってみたい</h1>" in html
    assert "<strong>太字</strong>" in html
    assert (
        "a",
        {"href": "https://example.org", "rel": "nofollow noopener noreferrer"},
    ) in elements(html)
    assert "<li>一つ目</li>" in html


def test_raw_html_is_shown_as_text_not_markup():
    html = render_markdown("<b>bold?</b>")
    assert elements(html) == [("p", {})]
    assert "&lt;b&gt;" in html
