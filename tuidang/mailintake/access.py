"""Drafts are reached through here: helpers only (accounts/access.py), any helper's."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tuidang.accounts.access import access_helper
from tuidang.mailintake.models import MailDraft


def access_draft(user: AbstractBaseUser, draft_id: int) -> MailDraft:
    """The draft for a helper signed in with both factors; PermissionDenied or Http404."""
    access_helper(user)
    return get_object_or_404(MailDraft, pk=draft_id)


def access_inbox(user: AbstractBaseUser) -> QuerySet[MailDraft]:
    """Every draft, for a helper: the inbox is shared by all helpers."""
    access_helper(user)
    return MailDraft.objects.all()
