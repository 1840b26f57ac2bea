from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    IDEA = "idea", _("Idea")
    DISCUSSION = "discussion", _("Discussion")
    TEAM_FORMING = "team_forming", _("Team forming")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    ARCHIVED = "archived", _("Paused")


ACTIVE_STATUSES = (Status.IDEA, Status.DISCUSSION, Status.TEAM_FORMING, Status.RUNNING)


class MembershipStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    LEFT = "left", _("Left")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Left with thanks at the end of the time they offered (proposals.commitments): no longer on
    # the team, shown among the people who helped (これまでに関わった人).
    FINISHED = "finished", _("Finished, with thanks")


PROPOSER_ROLE = "proposer"

# Themes offered on the form; members may add free tags too.
SUGGESTED_THEMES = [
    "子ども・教育",
    "福祉",
    "地域づくり",
    "環境",
    "国際協力",
    "防災",
    "IT・デジタル",
    "ファンドレイジング",
    "広報・デザイン",
    "学び合い",
]
