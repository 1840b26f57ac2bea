import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from meetups import demo as meetups_demo
from members.models import User
from proposals import demo
from proposals.models import Proposal


class Command(BaseCommand):
    help = (
        "Build the demo community (members, proposals in every stage, teams, comments, cheers). "
        "Idempotent: what exists already is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only seed when the database has no proposals at all (used by `make run`).",
        )
        parser.add_argument(
            "--allow-slack",
            action="store_true",
            help="Seed even though SLACK_BOT_TOKEN is set (the demo's events then reach Slack).",
        )
        parser.add_argument(
            "--proposals",
            type=int,
            default=0,
            metavar="N",
            help="Also add N more proposals with bulk inserts (for benchmarks and big-board demos).",
        )
        parser.add_argument(
            "--members",
            type=int,
            default=0,
            metavar="N",
            help="Also add N more members with bulk inserts (for benchmarks and a big members page).",
        )

    def handle(
        self, *args, if_empty: bool, allow_slack: bool, proposals: int, members: int, **options
    ):
        if proposals < 0:
            raise CommandError("--proposals must be zero or more.")
        if members < 0:
            raise CommandError("--members must be zero or more.")
        # The demo is told through the services, so every step is an event like any other (its
        # emails are marked skipped, but Slack deliveries stay pending when a token is set).
        if settings.SLACK_BOT_TOKEN and not allow_slack:
            message = (
                "SLACK_BOT_TOKEN is set: the demo's proposals, joins and comments would be posted "
                "to Slack. Unset it for the demo, or pass --allow-slack."
            )
            if if_empty:  # `make run` goes on serving, without a demo
                self.stdout.write(f"Not seeding. {message}")
                return
            raise CommandError(message)
        if if_empty and Proposal.objects.exists():
            self.stdout.write("The database already has proposals; leaving it as it is.")
        else:
            report = demo.seed_community()
            meetups = meetups_demo.seed_meetups(
                {member.username: member for member in demo.demo_members()}
            )
            self.stdout.write(
                f"Demo community: {report.members_created} new members, "
                f"{report.proposals_created} new proposals "
                f"({len(demo.STORIES) - report.proposals_created} were already there), "
                f"{meetups} new meetups."
            )
            if report.proposals_created:
                self.stdout.write(
                    f"Their history spans the past {demo.HISTORY.days // 7} weeks; the members "
                    f"have read it, all but {report.notifications_unread} recent notifications, "
                    "and its emails are marked skipped (nothing is mailed about the past)."
                )
        if members:
            started = time.monotonic()
            demo.bulk_seed_members(members, progress=self._progress("members"))
            self.stderr.write("")
            self.stdout.write(
                f"Added {members:,} members in {time.monotonic() - started:.1f} s "
                f"({User.objects.count():,} in total)."
            )
        if proposals:
            started = time.monotonic()
            demo.bulk_seed_proposals(proposals, progress=self._progress("proposals"))
            self.stderr.write("")
            self.stdout.write(
                f"Added {proposals:,} proposals in {time.monotonic() - started:.1f} s "
                f"({Proposal.objects.count():,} in total)."
            )
        self._print_logins()

    def _progress(self, what: str):
        def show(done: int, total: int) -> None:
            width = 30
            filled = width * done // total
            bar = "#" * filled + "-" * (width - filled)
            self.stderr.write(f"\r[{bar}] {done:,}/{total:,} {what}", ending="")
            self.stderr.flush()

        return show

    def _print_logins(self) -> None:
        members = demo.demo_members()
        if not members:
            return
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
        for user in members:
            role = "  moderator" if user.is_moderator else ""
            self.stdout.write(f"  {user.username:<8} {user.public_name}{role}")
