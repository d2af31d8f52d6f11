import os

import pytest

from kefu.core import clock

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The assistant's e5 embeddings cost seconds of CPU to build; tests/assistant installs its own engine, and
# every other test that reaches the assistant (the API fuzz) answers with the lexical model.
os.environ.setdefault("KEFU_ASSISTANT_EMBEDDINGS", "false")

FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    """Every test signs up users: the production hasher (PBKDF2, a million rounds) would dominate the run. The
    `kefu demo` server the end-to-end tests start is a process of its own and hashes as in production."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _reset_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
def roles(db):
    """The role groups. The migrations made them (post_migrate), and a transactional test's flush makes them again
    (it emits post_migrate too), so they are normally in place: ensure_roles (≈ 165 ms: every app's permissions,
    then every group's) runs only when some are missing."""
    from django.contrib.auth.models import Group

    from kefu.core.roles import PERMISSIONS, ensure_roles

    groups = {group.name: group for group in Group.objects.filter(name__in=PERMISSIONS)}
    if len(groups) == len(PERMISSIONS) and Group.permissions.through.objects.exists():
        return groups
    return ensure_roles()


@pytest.fixture
def staff_user(db, roles):
    """staff_user("supervisor") -> a user holding that role (password: 'kefu-pass-123')."""
    from django.contrib.auth import get_user_model

    from kefu.core.roles import grant

    def make(role: str, username: str | None = None):
        user = get_user_model().objects.create_user(username or f"{role}-user", password="kefu-pass-123")
        grant(user, role)
        return user

    return make


@pytest.fixture(scope="session", autouse=True)
def _release_database_before_teardown(django_db_setup, django_db_blocker):
    """On PostgreSQL, connections are pooled (settings.py). A connection that a server thread (the browser
    tests' live server) took from the pool would keep the test database from being dropped: end them."""
    yield
    from django.db import connection, connections

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    for conn in connections.all():
        if getattr(conn, "pool", None) is not None:
            conn.close_pool()


@pytest.fixture
def monday(db):
    """The clock at Monday 2026-11-23 10:00 in Shanghai, inside the early shift (tests/tickets/builders.py)."""
    from kefu.core import clock
    from tests.tickets.builders import MONDAY_10

    clock.freeze(MONDAY_10)
    yield MONDAY_10
    clock.reset()


def pytest_collection_modifyitems(config, items):
    """Tests of a module that runs the real `kefu demo` (tests/demo_server.py) are marked `demo_server`: they use
    their own SQLite var dir, never the test database, so CI runs them in the embedded pass only."""
    from tests import demo_server

    for item in items:
        module = getattr(item, "module", None)
        if module is not None and any(value is demo_server.demo_server or value is demo_server
                                      for value in vars(module).values()):
            item.add_marker(pytest.mark.demo_server)
