"""Who may act as a helper or a moderator: the one place that checks it."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

HELPERS_GROUP = "helpers"
MODERATORS_GROUP = "moderators"


def is_helper(user: AbstractBaseUser) -> bool:
    return user.is_active and user.groups.filter(name=HELPERS_GROUP).exists()


def is_moderator(user: AbstractBaseUser) -> bool:
    return user.is_active and user.is_staff and user.groups.filter(name=MODERATORS_GROUP).exists()


def access_helper(user: AbstractBaseUser) -> AbstractBaseUser:
    if not is_helper(user):
        raise PermissionDenied("helpers only")
    return user


def access_moderator(user: AbstractBaseUser) -> AbstractBaseUser:
    if not is_moderator(user):
        raise PermissionDenied("moderators only")
    return user
