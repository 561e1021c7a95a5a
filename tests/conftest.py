from datetime import date

import pytest
from django.core.management import call_command

DEMO_TODAY = date(2026, 11, 21)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the 23 norms and the demo city.

    Tests run in transactions rolled back at the end, so each sees this state.
    Transactional (live-server) tests flush the database afterwards and
    rebuild what they need themselves.
    """
    with django_db_blocker.unblock():
        call_command("seed_demo", "--today", DEMO_TODAY.isoformat(), verbosity=0)


@pytest.fixture
def admin_user(db):
    from accounts.models import User

    return User.objects.get(username="admin")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
