"""Every date input of the product writes ISO dates (2027-01-06) and reads them back.

Browsers accept only ISO in ``<input type="date">``; Django's Chinese locale
writes 2027/01/06 first, which left the workflow forms' dates empty and made
a progress record erase the planned date. These tests look at every form
that has a date field: the workflow forms, every admin form and inline of
the admin site, the filters (dashboard, API), and the admin's calendar
picker (which writes the first input format of the JavaScript catalog).
The browser side is in tests/test_browser_lifecycle.py.
"""

import inspect
import json
import re
from datetime import date

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from api import views as api_views
from dashboard.filters import DashboardFilter
from hazards import forms as workflow_forms

DAY = date(2027, 1, 6)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def _date_fields(form_class, **kwargs):
    form = form_class(**kwargs)
    return form, [name for name, field in form.fields.items() if isinstance(field, forms.DateField)]


def _assert_iso_round_trip(form, name):
    field = form.fields[name]
    html = field.widget.render(name, DAY)
    assert 'value="2027-01-06"' in html, (type(form).__name__, name, html)
    assert field.clean("2027-01-06") == DAY
    # What the form writes, it reads back unchanged (nothing the user did not touch changes).
    assert not field.has_changed(DAY, field.widget.format_value(DAY))


def test_the_workflow_forms_write_iso_into_date_inputs():
    checked = []
    for _name, form_class in inspect.getmembers(workflow_forms, inspect.isclass):
        if not issubclass(form_class, forms.Form) or form_class.__module__ != workflow_forms.__name__:
            continue
        form, names = _date_fields(form_class)
        for name in names:
            _assert_iso_round_trip(form, name)
            assert 'type="date"' in form.fields[name].widget.render(name, DAY)
            checked.append(f"{form_class.__name__}.{name}")
    assert sorted(checked) == [
        "AssignForm.deadline",
        "ExtendForm.new_deadline",
        "ProgressForm.planned_completion_on",
        "ReopenForm.deadline",
        "StartForm.planned_completion_on",
    ]


def test_every_admin_date_field_writes_iso(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    checked = []
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *model_admin.get_inline_instances(request)]
        for each in admins:
            try:
                form_class = each.get_form(request) if each is model_admin else each.get_formset(request).form
            except Exception as exc:  # an admin that cannot build a blank form has no date inputs to check
                if "date" in str(exc).lower():
                    raise
                continue
            form, names = _date_fields(form_class)
            for name in names:
                _assert_iso_round_trip(form, name)
                checked.append(f"{model._meta.label}.{name}")
    # The date fields users type into, at least these.
    assert {
        "hazards.Hazard.found_on",
        "inspections.InspectionCampaign.start_date",
        "inspections.InspectionCampaign.end_date",
        "inspections.InspectionRecord.inspected_on",
        "pipelines.Pipeline.commissioned_on",
        "escalations.Escalation.reply_by",
    } <= set(checked)


def test_the_filters_write_iso(admin_user):
    filtersets = [DashboardFilter(data={}, user=admin_user)]
    for _name, filterset_class in inspect.getmembers(api_views, inspect.isclass):
        if hasattr(filterset_class, "base_filters") and filterset_class.__module__ == api_views.__name__:
            filtersets.append(filterset_class(data={}))
    checked = 0
    for filterset in filtersets:
        form = filterset.form
        for name, field in form.fields.items():
            if isinstance(field, forms.DateField):
                _assert_iso_round_trip(form, name)
                checked += 1
    assert checked >= 4  # the API's found/deadline after/before


def test_the_admin_calendar_writes_iso(client, admin_user):
    # DateTimeShortcuts.js writes the picked date with get_format("DATE_INPUT_FORMATS")[0].
    client.force_login(admin_user)
    response = client.get("/admin/jsi18n/")
    formats = json.loads(re.search(r"django\.formats = (\{.*?\});", response.content.decode(), re.S).group(1))
    assert formats["DATE_INPUT_FORMATS"][0] == "%Y-%m-%d"
    assert formats["DATETIME_INPUT_FORMATS"][0].startswith("%Y-%m-%d")
    # The older Chinese spellings are still read.
    field = forms.DateField()
    assert field.clean("2027/01/06") == field.clean("2027年1月6日") == DAY
