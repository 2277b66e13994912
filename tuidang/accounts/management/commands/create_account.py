"""Create a helper, moderator or editor account (administrators only: there is no sign-up)."""

import getpass
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tuidang.accounts.access import EDITORS_GROUP, HELPERS_GROUP, MODERATORS_GROUP

ROLES = {"helper": HELPERS_GROUP, "moderator": MODERATORS_GROUP, "editor": EDITORS_GROUP}


class Command(BaseCommand):
    help = "Create a staff account: a helper who submits for others, a moderator or an editor."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), action="append", required=True)
        parser.add_argument("--email", default="", help="where an editor's test mails go")
        parser.add_argument(
            "--generate-password", action="store_true",
            help="print a new random password instead of asking for one",
        )

    def handle(self, *args, username: str, role: list[str], generate_password: bool,
               email: str = "", **opts):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"an account named {username!r} exists already")
        if generate_password:
            password = secrets.token_urlsafe(18)
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords differ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, password=password, email=email,
                is_staff=bool({"moderator", "editor"} & set(role)),
            )
            for name in role:
                group, _ = Group.objects.get_or_create(name=ROLES[name])
                user.groups.add(group)
        self.stdout.write(f"created {username} ({', '.join(role)})")
        if generate_password:
            self.stdout.write(f"password: {password}")
