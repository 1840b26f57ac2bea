from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin

from incubator.links import pk_url

from . import permissions
from .choices import ACTIVE_STATUSES, PROPOSER_ROLE, MembershipStatus, Status
from .lifecycle import ProposalLifecycle
from .markdown import render_markdown

TITLE_MAX = 120
SUMMARY_MAX = 280
BODY_MAX = 20_000
COMMENT_MAX = 10_000
NOTE_MAX = 2_000


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    suggested = models.BooleanField(_("suggested on the form"), default=False)

    class Meta:
        ordering = ["-suggested", "name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class ProposalQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def involving(self, user):
        """Proposed by the user or joined by them."""
        return self.filter(
            models.Q(proposer=user)
            | models.Q(memberships__user=user, memberships__status=MembershipStatus.ACCEPTED)
        ).distinct()


class Proposal(FSMModelMixin, ProposalLifecycle, models.Model):
    """A member's "want to try". Its stage moves only through the transitions of the lifecycle table
    (proposals.lifecycle.TRANSITIONS), inherited from ProposalLifecycle; the only caller is
    proposals.services.proposal_transition."""

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.CharField(_("one-line summary"), max_length=SUMMARY_MAX)
    body = models.TextField(
        _("what I want to try and why"),
        max_length=BODY_MAX,
        blank=True,
        validators=[MaxLengthValidator(BODY_MAX)],
    )
    body_html = models.TextField(editable=False, blank=True)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    status = FSMField(
        _("stage"), default=Status.IDEA, choices=Status.choices, protected=True, db_index=True
    )
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="proposals", verbose_name=_("themes")
    )
    outcome_note = models.TextField(_("outcome"), max_length=NOTE_MAX, blank=True)
    archive_reason = models.TextField(_("reason for pausing"), max_length=NOTE_MAX, blank=True)
    # The proposer's choice (issue 16): visitors outside the community may see its title, summary,
    # stage and open roles on the public page (entrance/). Off unless they choose it.
    is_public = models.BooleanField(_("visitors may see it"), default=False)
    # Denormalised counts, kept by the services under the proposal's row lock.
    member_count = models.PositiveIntegerField(default=1)
    cheer_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    # Replies in the proposal's Slack thread by linked members become comments (its proposer or a
    # moderator may switch this off, e.g. to keep the discussion in one place).
    slack_replies_import = models.BooleanField(
        _("Slack thread replies become comments"), default=True
    )
    # Lets a double-clicked submit create one proposal.
    submission_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.UniqueConstraint(
                fields=["proposer", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="proposal_unique_submission_key",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-last_activity_at"]),
            # The board's done column lists the most recently finished first.
            models.Index(fields=["status", "-status_changed_at"]),
            # The board's fingerprint: the latest change anywhere (one step down this index).
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return pk_url("proposals:detail")(self.pk)

    def render(self) -> None:
        self.body_html = render_markdown(self.body)

    @property
    def shown_to_visitors(self) -> bool:
        """Whether visitors outside the community see it (permissions.is_public_to_visitors)."""
        return permissions.is_public_to_visitors(self)


class RoleWanted(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="roles_wanted")
    name = models.CharField(_("role"), max_length=60)
    count = models.PositiveSmallIntegerField(
        _("how many"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    pace = models.CharField(_("expected pace"), max_length=80, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("role wanted")
        verbose_name_plural = _("roles wanted")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "name"], name="role_wanted_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ×{self.count}"


class Membership(models.Model):
    """A person's place on a proposal's team: requested, then accepted or declined; later left."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=60)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    message = models.TextField(_("message"), max_length=NOTE_MAX, blank=True)
    status = models.CharField(
        max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.REQUESTED
    )
    response = models.TextField(_("response"), max_length=NOTE_MAX, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The time offered ends on this day (None: no end). A week before, the member is asked once
    # whether to continue or finish; unanswered, reminded once on the day; then nothing more.
    # Both days are cleared when the date moves, so a new date is asked about in its turn.
    until = models.DateField(_("until"), null=True, blank=True)
    until_asked_on = models.DateField(null=True, blank=True, editable=False)
    until_reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="membership_unique_person")
        ]
        # Beat's daily question looks for members whose time ends soon: only the rows with an end
        # are in it. (On (status, until), SQLite took it for every "accepted members of these
        # proposals", the board's and list's team rows, reading every accepted member.)
        indexes = [
            models.Index(
                fields=["until"],
                name="membership_until_set",
                condition=models.Q(until__isnull=False),
            ),
            # "Looking for people" counts a role's accepted places for every proposal it looks
            # at (selectors.looking_for_people): read from this index alone, not the table.
            models.Index(fields=["proposal", "role", "status"], name="membership_places"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} ({self.status})"

    @property
    def is_proposer(self) -> bool:
        return self.role == PROPOSER_ROLE


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField(
        _("comment"), max_length=COMMENT_MAX, validators=[MaxLengthValidator(COMMENT_MAX)]
    )
    body_html = models.TextField(editable=False, blank=True)
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A reply in the proposal's Slack thread that became this comment: the message's channel and
    # ts (its edits and deletion follow it, a retried event finds it, and it is never posted back).
    slack_channel = models.CharField(max_length=32, blank=True, editable=False)
    slack_ts = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["proposal", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["slack_channel", "slack_ts"],
                condition=~models.Q(slack_ts=""),
                name="comment_unique_slack_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"

    @property
    def from_slack(self) -> bool:
        return bool(self.slack_ts)


class Cheer(models.Model):
    """応援: a light 'I'm rooting for you'. Cheering also follows the proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="cheers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="cheer_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.proposal_id}"


class Follow(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="follow_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.proposal_id}"


class TransitionLog(models.Model):
    """Who moved a proposal, when, from where to where, and why. Time-in-state is computed from it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    name = models.CharField(max_length=40)
    from_status = models.CharField(max_length=16, choices=Status.choices)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        indexes = [models.Index(fields=["proposal", "created_at"])]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.from_status} → {self.to_status}"


class InvitationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Not now")
    EXPIRED = "expired", _("Expired")


class Invitation(models.Model):
    """A proposer (or a moderator) asks a member to take a role. The member accepts (and joins
    with that role) or says "not now", no reason needed; an unanswered one expires."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=60)
    message = models.TextField(_("message"), max_length=NOTE_MAX, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "invitee"],
                condition=models.Q(status="open"),
                name="invitation_one_open_per_person",
                violation_error_message=_("This person already has an invitation to it."),
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.invitee_id} → {self.proposal_id} · {self.role} ({self.status})"


class AuthorAnswer(models.TextChoices):
    """Whether the author of the Slack message a proposal came from is its proposer."""

    NONE = "", _("Not asked")  # the submitter proposes it themselves
    PENDING = "pending", _("Waiting for them to confirm")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Not them")


class SlackOrigin(models.Model):
    """The Slack message a proposal was made from ("Make it a proposal", issue 12): where it is
    (channel, ts, the permalink a worker asks Slack for), who wrote it, and who submitted it.

    When the submitter proposes it on the author's behalf, the proposal is "an idea from
    <author>" until the author confirms: the submitter steers it meanwhile (they are its
    proposer), and the author becomes the proposer only by confirming."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="slack_origin")
    channel_id = models.CharField(max_length=32)
    message_ts = models.CharField(max_length=32)
    # The message's author in Slack; a member only when their account is linked.
    author_slack_user_id = models.CharField(max_length=32, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_answer = models.CharField(
        max_length=16, choices=AuthorAnswer.choices, default=AuthorAnswer.NONE, blank=True
    )
    # chat.getPermalink's answer, asked for by a worker after the proposal commits.
    permalink = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Slack origin")
        verbose_name_plural = _("Slack origins")
        constraints = [
            # One proposal per message: a second "make it a proposal" finds the first.
            models.UniqueConstraint(
                fields=["channel_id", "message_ts"], name="slack_origin_one_per_message"
            ),
            models.CheckConstraint(
                condition=~models.Q(author_answer="pending") | models.Q(author__isnull=False),
                name="slack_origin_pending_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} ← {self.channel_id}/{self.message_ts}"

    @property
    def is_pending(self) -> bool:
        return self.author_answer == AuthorAnswer.PENDING
