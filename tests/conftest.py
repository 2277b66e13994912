"""Shared fixtures: named users, a signing key, and a way to run the sequencer."""

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User

from tuidang.helpers.access import HELPERS_GROUP, MODERATORS_GROUP


@pytest.fixture(scope="session", autouse=True)
def log_signing_key():
    from tuidang.transparency import keys

    if not settings.LOG_SIGNING_KEY_FILE.exists():
        keys.create_key_file(settings.LOG_SIGNING_KEY_FILE)
    return settings.LOG_SIGNING_KEY_FILE


@pytest.fixture
def alice(db) -> User:
    """A helper (volunteer) account."""
    user = User.objects.create_user("alice", password="alice-password-123")
    user.groups.add(Group.objects.get_or_create(name=HELPERS_GROUP)[0])
    return user


@pytest.fixture
def charlie(db) -> User:
    """Another helper, to check that helpers see only their own submissions."""
    user = User.objects.create_user("charlie", password="charlie-password-123")
    user.groups.add(Group.objects.get_or_create(name=HELPERS_GROUP)[0])
    return user


@pytest.fixture
def mona(db) -> User:
    """A moderator (staff)."""
    user = User.objects.create_user("mona", password="mona-password-123", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


@pytest.fixture
def bob(db) -> User:
    """A logged-in user with no role."""
    return User.objects.create_user("bob", password="bob-password-123")


def pytest_collection_modifyitems(config, items):
    # In CI a skipped browser or PostgreSQL test is a failure, not a pass.
    if os.environ.get("CI") == "true":
        config.option.strict_skips = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (os.environ.get("CI") == "true" and report.skipped and item.get_closest_marker(
        "browser"
    )) or (os.environ.get("CI") == "true" and report.skipped and item.get_closest_marker(
        "postgres"
    )):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI: {report.longrepr}"
