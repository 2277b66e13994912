"""Who may act as a helper, a moderator or an editor: the one place that checks it.

A role is not enough: the session must also have passed the second factor (a TOTP code,
see views.py), so a stolen password alone opens nothing. The checks take
request.user, on which django-otp's OTPMiddleware has installed is_verified(); a user
object without it (not from a request) is never verified.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

HELPERS_GROUP = "helpers"
MODERATORS_GROUP = "moderators"
EDITORS_GROUP = "editors"


def is_helper(user: AbstractBaseUser) -> bool:
    return user.is_active and user.groups.filter(name=HELPERS_GROUP).exists()


def is_moderator(user: AbstractBaseUser) -> bool:
    return user.is_active and user.is_staff and user.groups.filter(name=MODERATORS_GROUP).exists()


def is_editor(user: AbstractBaseUser) -> bool:
    return user.is_active and user.is_staff and user.groups.filter(name=EDITORS_GROUP).exists()


def is_verified(user: AbstractBaseUser) -> bool:
    """Logged in with the password and a second factor (django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and callable(check) and check())


def access_helper(user: AbstractBaseUser) -> AbstractBaseUser:
    if not (is_helper(user) and is_verified(user)):
        raise PermissionDenied("helpers only, with a second factor")
    return user


def access_moderator(user: AbstractBaseUser) -> AbstractBaseUser:
    if not (is_moderator(user) and is_verified(user)):
        raise PermissionDenied("moderators only, with a second factor")
    return user


def access_editor(user: AbstractBaseUser) -> AbstractBaseUser:
    if not (is_editor(user) and is_verified(user)):
        raise PermissionDenied("editors only, with a second factor")
    return user
