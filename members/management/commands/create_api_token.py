from django.core.management.base import BaseCommand, CommandError

from members.models import User
from members.services import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for a member and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No member with the username “{username}”.")
        if not user.is_active:
            raise CommandError(f"The member “{username}” is deactivated.")
        _token, raw = api_token_create(user=user, name=name)
        self.stdout.write(raw)
