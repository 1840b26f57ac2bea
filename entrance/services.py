"""Writes of the entrance: the texts moderators write for visitors."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.errors import ActionNotPermitted

from . import permissions
from .choices import TextKind
from .models import CommunityText


def community_text_update(*, kind: str, by, body_ja: str, body_en: str) -> CommunityText:
    """A moderator writes one of the visitors' texts in Japanese and English (either may be
    empty: the other language, then the default text, shows instead). Sanitised when saved."""
    if not permissions.can_edit_texts(by):
        raise ActionNotPermitted(_("Only moderators can edit the texts visitors read."))
    if kind not in TextKind.values:
        raise ValidationError({"kind": _("There is no such text.")})
    nul = {
        name: _("This text contains a character that can't be saved (NUL). Please remove it.")
        for name, value in (("body_ja", body_ja), ("body_en", body_en))
        if "\x00" in value
    }
    if nul:
        raise ValidationError(nul)
    with transaction.atomic():
        text, _created = CommunityText.objects.select_for_update().get_or_create(kind=kind)
        text.body_ja = body_ja.strip()
        text.body_en = body_en.strip()
        text.render()
        text.updated_by = by
        text.updated_at = timezone.now()
        text.full_clean(exclude=["updated_by"])
        text.save()
    return text
