"""Fixtures of the applications' tests: two contractors with a user each, two operators' staff, a site."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import DEMO_TODAY, PDF_BYTES, jpeg_bytes


def pdf(name="协议.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def jpeg(name="site.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


@pytest.fixture
def site(db):
    from demo.construction import demo_sites

    pairs, _singles = demo_sites(pairs=1, singles=0)
    return pairs[0]


def _user(username, *, role, company=None):
    from accounts.models import User
    from accounts.roles import roles_sync

    groups = roles_sync()
    user = User.objects.create_user(username=username, password="x", is_staff=True, company=company)
    user.groups.add(groups[role])
    return user


@pytest.fixture
def contractors(db):
    """Two contractors, each with one user of the contractor role: (contractor A, user A, contractor B, user B)."""
    from accounts.roles import CONTRACTOR
    from construction.models import Contractor

    a = Contractor.objects.create(name="测试甲建设工程有限公司", contact_person="赵工", phone="13800000001")
    b = Contractor.objects.create(name="测试乙市政工程有限公司", contact_person="钱工", phone="13800000002")
    user_a, user_b = _user("con_a", role=CONTRACTOR), _user("con_b", role=CONTRACTOR)
    a.members.add(user_a)
    b.members.add(user_b)
    return a, user_a, b, user_b


@pytest.fixture
def operator_staff(db, site):
    """Company staff of the site's two operators, and of a third company (an outsider)."""
    from accounts.roles import COMPANY_STAFF
    from companies.models import OperatingCompany

    first, second = site.company_ids
    outsider = OperatingCompany.objects.exclude(pk__in=site.company_ids).first()
    return (
        _user("op_first", role=COMPANY_STAFF, company=company_id_holder(first)),
        _user("op_second", role=COMPANY_STAFF, company=company_id_holder(second)),
        _user("op_outsider", role=COMPANY_STAFF, company=outsider),
    )


def company_id_holder(pk):
    from companies.models import OperatingCompany

    return OperatingCompany.objects.get(pk=pk)


def submit(contractor, user, site, *, start=None, **extra):
    from construction.services import application_submit

    start = start or DEMO_TODAY + timedelta(days=10)
    return application_submit(
        contractor=contractor,
        project=extra.pop("project", "测试电缆敷设工程"),
        contact_person="赵工",
        contact_phone="13800000001",
        area=site.line,
        work_type=extra.pop("work_type", "cable"),
        planned_start=start,
        planned_end=start + timedelta(days=20),
        depth_m=1.5,
        work_plan=pdf("施工方案.pdf"),
        actor=user,
        **extra,
    )


def today_is(monkeypatch, day: date):
    """Freeze timezone.localdate / now to ``day`` 10:00 (Asia/Shanghai) for the life-cycle's date rules."""
    from datetime import datetime, time

    from django.utils import timezone

    moment = timezone.make_aware(datetime.combine(day, time(10)))
    monkeypatch.setattr(timezone, "now", lambda: moment)
