from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.markdown import render_markdown

from .choices import TextKind

TEXT_MAX = 20_000


class CommunityText(models.Model):
    """A text moderators write for visitors, in Japanese and English (Markdown, sanitised like
    every Markdown in the product). An empty language falls back to the other one, and both empty
    to the default text (entrance.defaults)."""

    kind = models.CharField(max_length=16, choices=TextKind.choices, unique=True)
    body_ja = models.TextField(
        _("Japanese"), max_length=TEXT_MAX, blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    body_en = models.TextField(
        _("English"), max_length=TEXT_MAX, blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    body_ja_html = models.TextField(editable=False, blank=True)
    body_en_html = models.TextField(editable=False, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("community text")
        verbose_name_plural = _("community texts")

    def __str__(self) -> str:
        return self.get_kind_display()

    def render(self) -> None:
        self.body_ja_html = render_markdown(self.body_ja)
        self.body_en_html = render_markdown(self.body_en)
