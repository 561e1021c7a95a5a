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


@pytest.fixture
def inspector(db):
    from accounts.models import User

    return User.objects.get(username="inspector1")


@pytest.fixture
def manager(db):
    from accounts.models import User

    return User.objects.get(username="manager")


def jpeg_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
