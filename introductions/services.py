"""Every write of introductions: a round (once per period), "did you get to talk?" a week on, a
person's answer, and an introduction Slack could not make, made in the app instead.

A round is one transaction: the round row (unique per period, so a second run, even at the same
moment, makes nothing), its introductions and their people, and how each is made: a Slack post
waiting for the introductions' one sender (introductions.slack, published by name after commit)
when everyone in it is on Slack, else an event in the app and by email (workers.services,
in the same transaction).
"""

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workers import publish
from workers import services as notify
from workers.events import IntroductionEventKind

from . import selectors
from .choices import OPEN_QUESTIONS, THEME_QUESTIONS, Answer, Channel, MessageKind, MessageStatus
from .errors import NotYourIntroduction
from .models import Introduction, IntroductionMember, IntroductionMessage, IntroductionRound
from .pairing import make_groups

logger = logging.getLogger(__name__)

# A follow-up a worker could not ask in this long (it was down for weeks) is not asked at all.
FOLLOW_UP_WITHIN = timedelta(days=14)


def _question(seed: str, shared: tuple[str, ...]) -> str:
    keys = sorted(THEME_QUESTIONS if shared else OPEN_QUESTIONS)
    return random.Random(seed).choice(keys)


def _poke_sender() -> None:
    publish.after_commit(publish.SEND_INTRODUCTIONS)


def introductions_round_start(*, now: datetime | None = None) -> IntroductionRound | None:
    """The period's round, once: from INTRODUCTIONS_HOUR on its first day (or later in the
    period, when beat was down then). None when it is not due or already made."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    starts_on = selectors.period_start(local.date())
    if local.date() == starts_on and local.hour < settings.INTRODUCTIONS_HOUR:
        return None
    if IntroductionRound.objects.filter(starts_on=starts_on).exists():
        return None
    try:
        with transaction.atomic():
            made = IntroductionRound.objects.create(starts_on=starts_on, created_at=now)
            _introduce(made, now=now)
    except IntegrityError:
        return None  # another run made this period's round first
    return made


def _introduce(made: IntroductionRound, *, now: datetime) -> None:
    people = {person.candidate.id: person for person in selectors.round_people()}
    seed = made.starts_on.isoformat()
    pairing = make_groups(
        (person.candidate for person in people.values()),
        met=selectors.met_pairs(since=now - selectors.NO_REPEAT),
        seed=seed,
    )
    slack_on = bool(settings.SLACK_BOT_TOKEN)
    introductions = Introduction.objects.bulk_create(
        [
            Introduction(
                round=made,
                shared_interests=list(group.shared),
                question=_question(f"{seed}:{group.ids}", group.shared),
                channel=(
                    Channel.SLACK
                    if slack_on and all(people[pk].slack_user_id for pk in group.ids)
                    else Channel.WEB
                ),
                created_at=now,
                follow_up_due_at=now + timedelta(days=settings.INTRODUCTIONS_FOLLOW_UP_DAYS),
            )
            for group in pairing.groups
        ],
        batch_size=500,
    )
    IntroductionMember.objects.bulk_create(
        [
            IntroductionMember(introduction=introduction, member_id=pk)
            for introduction, group in zip(introductions, pairing.groups, strict=True)
            for pk in group.ids
        ],
        batch_size=1000,
    )
    on_slack = [item for item in introductions if item.channel == Channel.SLACK]
    IntroductionMessage.objects.bulk_create(
        [
            IntroductionMessage(introduction=item, kind=MessageKind.INTRODUCTION, created_at=now)
            for item in on_slack
        ],
        batch_size=1000,
    )
    notify.record_events_for(
        kind=IntroductionEventKind.INTRODUCED,
        events=[
            _introduced(introduction, [(pk, people[pk].name) for pk in group.ids])
            for introduction, group in zip(introductions, pairing.groups, strict=True)
            if introduction.channel == Channel.WEB
        ],
    )
    made.opted_in = len(people)
    made.paused = selectors.paused_count()
    made.introduced = len(people) - len(pairing.left_out)
    made.left_out = len(pairing.left_out)
    made.save(update_fields=["opted_in", "paused", "introduced", "left_out"])
    if on_slack:
        _poke_sender()


def _page(introduction: Introduction) -> str:
    return reverse("introductions:mine") + f"#introduction-{introduction.pk}"


def _payload(introduction: Introduction, people: list[tuple[int, str]]) -> dict:
    return {
        "introduction_id": introduction.pk,
        "people": [[pk, name] for pk, name in people],
        "shared": list(introduction.shared_interests),
        "question": introduction.question,
        "theme": introduction.theme,
        "path": _page(introduction),
    }


def _introduced(introduction: Introduction, people: list[tuple[int, str]]):
    """The event telling them in the app and by email: (recipients, payload, dedupe key)."""
    recipients = {pk for pk, _name in people}
    return recipients, _payload(introduction, people), f"introduced:{introduction.pk}"


def _people(introduction: Introduction) -> list[tuple[int, str, str]]:
    """(id, shown name, answer) of each person in it."""
    return [
        (seat.member_id, seat.member.public_name, seat.answer)
        for seat in selectors.introduction_people(introduction_id=introduction.pk)
    ]


def _follow_up_on_the_web(introduction: Introduction, people: list[tuple[int, str, str]]) -> None:
    """Asked of those who have not answered yet (someone may have answered on the page)."""
    waiting = {pk for pk, _name, answer in people if not answer}
    if waiting:
        notify.record_event_for(
            kind=IntroductionEventKind.FOLLOW_UP,
            recipient_ids=waiting,
            payload=_payload(introduction, [(pk, name) for pk, name, _answer in people]),
            dedupe_key=f"introduction_follow_up:{introduction.pk}",
        )


def introductions_follow_up(*, now: datetime | None = None) -> int:
    """ "Did you get to talk?" INTRODUCTIONS_FOLLOW_UP_DAYS after each introduction: in its Slack
    group DM (once its introduction was posted there), else in the app and by email. Once per
    introduction, however often beat runs, also two runs at the same moment: the introduction
    is marked in the same transaction as what asks. Returns how many were asked."""
    now = now or timezone.now()
    introduced_on_slack = IntroductionMessage.objects.filter(
        kind=MessageKind.INTRODUCTION, status=MessageStatus.SENT
    ).values("introduction_id")
    due = (
        Introduction.objects.filter(
            followed_up_at__isnull=True,
            follow_up_due_at__lte=now,
            follow_up_due_at__gt=now - FOLLOW_UP_WITHIN,
        )
        .filter(Q(channel=Channel.WEB) | Q(pk__in=introduced_on_slack))
        .values_list("pk", flat=True)
    )
    asked = 0
    slack = False
    for pk in sorted(due):
        try:
            with transaction.atomic():
                channel = _follow_up(pk, now=now)
        except IntegrityError:
            continue  # another run asked first (the event's key and the message are unique)
        asked += channel is not None
        slack = slack or channel == Channel.SLACK
    if slack:
        publish.publish(publish.SEND_INTRODUCTIONS)
    return asked


def _follow_up(pk: int, *, now: datetime) -> str | None:
    if not Introduction.objects.filter(pk=pk, followed_up_at__isnull=True).update(
        followed_up_at=now
    ):
        return None
    introduction = Introduction.objects.get(pk=pk)
    people = _people(introduction)
    if all(answer for _pk, _name, answer in people):
        return None  # everyone already said
    if introduction.channel == Channel.SLACK:
        IntroductionMessage.objects.create(
            introduction=introduction, kind=MessageKind.FOLLOW_UP, created_at=now
        )
    else:
        _follow_up_on_the_web(introduction, people)
    return introduction.channel


def introduction_answer(*, introduction_id: int | None, member, answer: str) -> IntroductionMember:
    """A person's own answer to "did you get to talk?" (from the page, the email's link or Slack's
    buttons). Said again, the latest answer counts."""
    if answer not in Answer.values:
        raise ValidationError(
            {"answer": _("Please choose one of the answers.")}, code="unknown_answer"
        )
    seat = IntroductionMember.objects.filter(
        introduction_id=introduction_id, member_id=member.pk
    ).first()
    if seat is None:
        raise NotYourIntroduction(_("That introduction isn’t one of yours."))
    seat.answer, seat.answered_at = answer, timezone.now()
    seat.save(update_fields=["answer", "answered_at"])
    return seat


def introduction_slack_gave_up(*, message_id: int, error: str) -> None:
    """Slack refused a post for good (someone left the workspace, the app lost its scope) or it
    failed too often: the message is failed, and the people are told in the app and by email
    instead, so nobody misses their introduction or its question."""
    with transaction.atomic():
        message = (
            IntroductionMessage.objects.select_for_update()
            .select_related("introduction")
            .get(pk=message_id)
        )
        if message.status in (MessageStatus.SENT, MessageStatus.FAILED):
            return
        IntroductionMessage.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED,
            last_error=error[:2000],
            lease_until=None,
            posting=False,
        )
        logger.warning("Introduction message %s failed for good: %s", message.pk, error)
        introduction = message.introduction
        people = _people(introduction)
        Introduction.objects.filter(pk=introduction.pk).update(channel=Channel.WEB)
        introduction.channel = Channel.WEB
        if message.kind == MessageKind.INTRODUCTION:
            notify.record_events_for(
                kind=IntroductionEventKind.INTRODUCED,
                events=[_introduced(introduction, [(pk, name) for pk, name, _answer in people])],
            )
        else:
            _follow_up_on_the_web(introduction, people)
