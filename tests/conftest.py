"""Shared fixtures: named users, a signing key, and a way to run the sequencer."""

import os

# Django is imported inside the fixtures, so tests/tlog also runs with plain pytest
# (-p no:django): the log library must not need Django.
import pytest


@pytest.fixture(scope="session", autouse=True)
def log_signing_key():
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return None  # plain pytest on tests/tlog
    from django.conf import settings

    from tuidang.transparency import keys

    if not settings.LOG_SIGNING_KEY_FILE.exists():
        keys.create_key_file(settings.LOG_SIGNING_KEY_FILE)
    return settings.LOG_SIGNING_KEY_FILE


@pytest.fixture(autouse=True)
def fresh_process_caches():
    """What a web process keeps (the surge mode, API tokens, receipt pages, the receipts
    of forms posted lately) starts afresh in each test:
    a test's database is rolled back without the signals that would clear it."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        from tuidang.api import tokens
        from tuidang.declaring import once, receipt_page
        from tuidang.protection import models

        models._current[1] = 0.0
        tokens.forget_recent()
        receipt_page.forget()
        once.forget()
    yield


@pytest.fixture
def keep_the_test_connection():
    """Django closes the database connection when a request finishes; its test client
    switches that off, and so must a test that calls the WSGI application directly, or the
    test's own transaction is lost."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _user(username: str, **fields):
    from django.contrib.auth.models import User

    return User.objects.create_user(username, **fields)


def _join(user, group_name: str) -> None:
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name=group_name)[0])


@pytest.fixture
def alice(db):
    """A helper (volunteer) account."""
    user = _user("alice", password="alice-password-123")
    _join(user, "helpers")
    return user


@pytest.fixture
def charlie(db):
    """Another helper, to check that helpers see only their own submissions."""
    user = _user("charlie", password="charlie-password-123")
    _join(user, "helpers")
    return user


@pytest.fixture
def mona(db):
    """A moderator (staff)."""
    user = _user("mona", password="mona-password-123", is_staff=True)
    _join(user, "moderators")
    return user


@pytest.fixture
def bob(db):
    """A logged-in user with no role."""
    return _user("bob", password="bob-password-123")


def login_verified(client, user):
    """Log the client in as user with both factors: a confirmed TOTP device, a verified
    session (what the password and code steps of tuidang.accounts leave behind)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def _on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped browser or PostgreSQL test is a failure, not a pass."""
    outcome = yield
    report = outcome.get_result()
    # A PostgreSQL-only test must run in the PostgreSQL pass of CI (in the SQLite pass its
    # skip is expected); a deploy test must find the programs .ci/run installs.
    must_run = (
        item.get_closest_marker("browser")
        or item.get_closest_marker("deploy")
        or (item.get_closest_marker("postgres") and _on_postgresql())
    )
    if os.environ.get("CI") == "true" and report.skipped and must_run:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where it must run: {report.longrepr}"


@pytest.fixture
def erin(db):
    """An editor (staff): news, the newsletter, the terms and privacy pages."""
    user = _user("erin", password="erin-password-123", is_staff=True, email="erin@example.org")
    _join(user, "editors")
    return user
