"""A discussion's comments as HTML, written in Python (the proposal page and "show earlier").

A page shows thirty comments; as a template partial each cost about as much as the rest of the
proposal page's right-hand column together. As with the board's cards (card_html.py), every value
is escaped exactly as `{{ value }}` would escape it, and the markup is the one the template had.
The comment's text is the Markdown rendered and sanitised when it was saved (`body_html`).
"""

from dataclasses import dataclass

from django.middleware.csrf import get_token
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from incubator.links import key_url, pk_url

from .html import esc


@dataclass(frozen=True)
class CommentWords:
    """What every comment of one page shares, translated and built once."""

    edited: str
    hidden: str
    from_slack: str
    edit: str
    delete: str
    hide: str
    show_again: str
    csrf_input: str  # the page's CSRF token as a hidden input (SafeString)

    @classmethod
    def for_request(cls, request) -> "CommentWords":
        return cls(
            edited=_("edited"),
            hidden=_("Hidden by a moderator"),
            from_slack=_("via Slack"),
            edit=_("Edit"),
            delete=_("Delete"),
            hide=_("Hide"),
            show_again=_("Show again"),
            csrf_input=format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
            ),
        )


def _actions(comment, *, can_edit: bool, can_hide: bool, words: CommentWords) -> str:
    if not (can_edit or can_hide):
        return ""
    parts = []
    if can_edit:
        parts.append(
            f'<a href="{pk_url("proposals:comment_edit")(comment.pk)}">{esc(words.edit)}</a>'
            f'<form method="post" action="{pk_url("proposals:comment_delete")(comment.pk)}" '
            f'class="inline">{words.csrf_input}'
            f'<button type="submit" class="link danger">{esc(words.delete)}</button></form>'
        )
    if can_hide:
        hidden, label = ("0", words.show_again) if comment.is_hidden else ("1", words.hide)
        parts.append(
            f'<form method="post" action="{pk_url("proposals:comment_hide")(comment.pk)}" '
            f'class="inline">{words.csrf_input}'
            f'<input type="hidden" name="hidden" value="{hidden}">'
            f'<button type="submit" class="link">{esc(label)}</button></form>'
        )
    return f'<div class="comment-actions">{" ".join(parts)}</div>'


def comment_html(comment, *, can_edit: bool, can_hide: bool, words: CommentWords) -> str:
    """One comment; its author is loaded with it (select_related)."""
    at = timezone.localtime(comment.created_at)
    author = comment.author
    badges = ""
    if comment.slack_ts:  # a reply in the proposal's Slack thread
        badges += f' <span class="muted">· {esc(words.from_slack)}</span>'
    if comment.edited_at:
        badges += f' <span class="muted">({esc(words.edited)})</span>'
    if comment.is_hidden:
        badges += f' <span class="badge">{esc(words.hidden)}</span>'
    classes = "comment hidden-comment" if comment.is_hidden else "comment"
    return (
        f'<article class="{classes}" id="comment-{comment.pk}"><header>'
        f'<a href="{esc(key_url("members:profile")(author.username))}">'
        f"{esc(author.public_name)}</a> "
        f'<time class="muted" datetime="{at.isoformat()}">'
        f"{esc(formats.date_format(at, 'DATETIME_FORMAT'))}</time>{badges}</header>"
        # Sanitised when it was saved (proposals.markdown), as `|safe` showed it.
        f'<div class="markdown">{comment.body_html}</div>'
        f"{_actions(comment, can_edit=can_edit, can_hide=can_hide, words=words)}</article>\n"
    )


def comments_html(request, views) -> SafeString:
    """The comments of `views` (web.views.CommentView), oldest first."""
    words = CommentWords.for_request(request)
    return mark_safe(
        "".join(
            comment_html(view.comment, can_edit=view.can_edit, can_hide=view.can_hide, words=words)
            for view in views
        )
    )
