"""Download my data (issue 16): everything the community keeps about one member, as one JSON
document, read in a fixed number of queries however much they did. Only their own: what other
people wrote is not in it (a comment of theirs is, a reply to it is not), and of the people
they were introduced to, only what the introduction shared."""

import json
from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from introductions.models import IntroductionMember
from meetups.models import CalendarFeed, Rsvp
from proposals.models import Cheer, Comment, Follow, Invitation, Membership, Proposal
from workers.events import Channel, headline_for
from workers.models import Delivery, EmailPreference, SlackDmPreference

from .models import ApiToken, User

FORMAT_VERSION = 1


def _rows(queryset, *fields: str) -> list[dict]:
    return list(queryset.values(*fields))


def member_data(*, user: User) -> dict:
    """The member's data, newest first within each part. Tokens by name only, never a secret."""
    proposals = Proposal.objects.filter(proposer=user).order_by("-created_at")
    themes: dict[int, list[str]] = {}
    for proposal_id, name in Proposal.tags.through.objects.filter(
        proposal__proposer=user
    ).values_list("proposal_id", "tag__name"):
        themes.setdefault(proposal_id, []).append(name)
    proposal_rows = _rows(
        proposals,
        "id",
        "title",
        "summary",
        "body",
        "status",
        "outcome_note",
        "archive_reason",
        "created_at",
        "status_changed_at",
    )
    for row in proposal_rows:
        row["themes"] = sorted(themes.get(row["id"], []))
    notifications = [
        {
            "kind": kind,
            "text": headline_for(kind, payload, user.pk),
            "proposal_id": proposal_id,
            "created_at": created_at,
            "read_at": read_at,
        }
        for kind, payload, proposal_id, created_at, read_at in Delivery.objects.filter(
            recipient=user, channel=Channel.INAPP
        )
        .order_by("-created_at", "-id")
        .values_list("event__kind", "event__payload", "proposal_id", "created_at", "read_at")
    ]
    return {
        "format": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "profile": {
            field: getattr(user, field)
            for field in (
                "id",
                "username",
                "email",
                "first_name",
                "last_name",
                "display_name",
                "bio",
                "interests",
                "skills",
                "availability",
                "slack_user_id",
                "preferred_language",
                "time_zone",
                "profile_visibility",
                "open_to_suggestions",
                "introductions",
                "date_joined",
                "last_login",
            )
        },
        "email_addresses": _rows(
            EmailAddress.objects.filter(user=user).order_by("pk"), "email", "verified", "primary"
        ),
        "sign_in_accounts": _rows(
            SocialAccount.objects.filter(user=user).order_by("pk"),
            "provider",
            "uid",
            "date_joined",
            "last_login",
        ),
        "proposals": proposal_rows,
        "comments": _rows(
            Comment.objects.filter(author=user).order_by("-created_at"),
            "id",
            "proposal_id",
            "proposal__title",
            "body",
            "is_hidden",
            "created_at",
            "edited_at",
        ),
        "cheers": _rows(
            Cheer.objects.filter(user=user).order_by("-created_at"),
            "proposal_id",
            "proposal__title",
            "created_at",
        ),
        "memberships": _rows(
            Membership.objects.filter(user=user).order_by("-created_at"),
            "proposal_id",
            "proposal__title",
            "role",
            "status",
            "availability",
            "message",
            "response",
            "until",
            "created_at",
            "decided_at",
        ),
        "follows": _rows(
            Follow.objects.filter(user=user).order_by("-created_at"),
            "proposal_id",
            "proposal__title",
            "created_at",
        ),
        "invitations": _rows(
            Invitation.objects.filter(invitee=user).order_by("-created_at"),
            "proposal_id",
            "proposal__title",
            "role",
            "message",
            "status",
            "created_at",
            "decided_at",
        ),
        "meetup_answers": _rows(
            Rsvp.objects.filter(user=user).order_by("-answered_at"),
            "meetup_id",
            "meetup__title",
            "meetup__starts_at",
            "status",
            "remind_if_maybe",
            "attended",
            "answered_at",
        ),
        "calendar_feed": CalendarFeed.objects.filter(user=user).exists(),
        "introductions": _rows(
            IntroductionMember.objects.filter(member=user).order_by("-introduction__created_at"),
            "introduction__created_at",
            "introduction__shared_interests",
            "introduction__channel",
            "answer",
            "answered_at",
        ),
        "notifications": notifications,
        "preferences": {
            "email": dict(EmailPreference.objects.filter(user=user).values_list("kind", "mode")),
            "slack_direct_messages": dict(
                SlackDmPreference.objects.filter(user=user).values_list("kind", "enabled")
            ),
        },
        "api_tokens": _rows(
            ApiToken.objects.filter(user=user).order_by("-created_at"),
            "name",
            "created_at",
            "last_used_at",
        ),
    }


def member_data_json(*, user: User) -> str:
    return json.dumps(member_data(user=user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def member_data_filename(*, user: User, now: datetime | None = None) -> str:
    day = timezone.localdate(now or timezone.now()).isoformat()
    return f"incubator-{user.pk}-{day}.json"
