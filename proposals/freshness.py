"""Is a rendered page still right? One number answers it for every page.

`ContentVersion.number` goes up with every change a page can show: a save or delete of a watched
model (signals, so the admin and the services are covered alike), a queryset update in the
services (`changed()` is called by hand), a change of tags or of a member's groups. Pages are
cached under the number (`incubator/fragments.py`) and the board's poll answers 304 while it
stays put.

Signals, although ARCHITECTURE §2 keeps side effects out of them: this is not a domain effect
(nothing is recorded or sent), only bookkeeping for the cache, and a signal is the one place no
write path can miss, be it a service, the admin or a shell.

The number goes up inside the writer's transaction, so it becomes visible together with the
change: a reader that sees the new number sees the new data. The row lock this takes lasts until
the writer commits, which queues concurrent writers one after another: plenty for a community,
where changes come a few a minute and pages are read far more often. (A bump after commit would
not queue writers, but would not run inside the test suite's transactions either.)
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from .models import (
    Cheer,
    Comment,
    ContentVersion,
    Follow,
    Membership,
    Proposal,
    RoleWanted,
    Tag,
    TransitionLog,
)

ROW = 1


def current() -> int:
    """The number now (0 before anything changed). Every cached page asks, so this is one plain
    SQL statement by primary key: building it through the ORM would cost several times more."""
    table = connection.ops.quote_name(ContentVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {table} WHERE id = %s", [ROW])
        row = cursor.fetchone()
    return row[0] if row else 0


def clock() -> str:
    """The hour, for keys of pages that say how long something has lasted ("for 3 days"): they
    show spans in whole days, so an hour-old page never says anything wrong by more than that."""
    return timezone.localtime().strftime("%Y-%m-%dT%H")


def changed(**_signal) -> None:
    """Something a page shows changed: move the number on (in the caller's transaction)."""
    if not ContentVersion.objects.filter(pk=ROW).update(number=F("number") + 1):
        ContentVersion.objects.get_or_create(pk=ROW, defaults={"number": 1})


def _user_saved(update_fields=None, **signal) -> None:
    # Logging in saves only `last_login`, which no page shows: not a change.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    changed()


def _relation_changed(action: str, **signal) -> None:
    if action.startswith("post_"):
        changed()


def connect() -> None:
    """Called once from ProposalsConfig.ready()."""
    watched = (Proposal, Comment, Membership, Cheer, Follow, RoleWanted, TransitionLog, Tag)
    for model in watched:
        uid = f"freshness-{model._meta.label}"
        post_save.connect(changed, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(changed, sender=model, dispatch_uid=uid + "-delete")
    user = get_user_model()
    post_save.connect(_user_saved, sender=user, dispatch_uid="freshness-user-save")
    post_delete.connect(changed, sender=user, dispatch_uid="freshness-user-delete")
    for through in (Proposal.tags.through, user.groups.through):
        m2m_changed.connect(
            _relation_changed, sender=through, dispatch_uid=f"freshness-{through._meta.label}"
        )
