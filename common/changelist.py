"""A model admin's change list for the request's filters, naming the filters that are not valid.

Django's own change list answers a bad filter (``?found_on__gte=notadate``,
an unknown field, a year out of range) by redirecting to ``?e=1`` without
saying which (and a disallowed lookup with a bare 400). Pages built on the
change list's query, such as exports, use ``filtered_changelist`` instead: it
raises ``BadFilters`` naming them; ``NamedFilterErrorsMixin`` makes a change
list return to itself with the good filters and a message naming the bad ones.
"""

import copy

from django.contrib import messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpResponseRedirect, QueryDict
from django.utils.translation import gettext as _

FILTER_ERRORS = (IncorrectLookupParameters, DisallowedModelAdminLookup)
DATE_PARTS = ("year", "month", "day")
SHOWN_VALUE = 40  # characters of a bad value repeated in the message


class BadFilters(Exception):
    def __init__(self, names: list[str], good: QueryDict):
        self.names = names  # "parameter=value", for the message
        self.good = good  # the request's other parameters, fine on their own
        super().__init__(", ".join(names))


class NamedFilterErrorsMixin:
    """ModelAdmin mixin: bad filters send the list back to itself without them, with a message naming them."""

    def changelist_view(self, request, extra_context=None):
        try:
            response = super().changelist_view(request, extra_context)
        except DisallowedModelAdminLookup:
            return self._without_bad_filters(request)
        if response.status_code == 302 and response.get("Location", "").endswith(f"?{ERROR_FLAG}=1"):
            return self._without_bad_filters(request)
        return response

    def _without_bad_filters(self, request):
        bad = _bad_filters(self, request)
        messages.error(
            request, _("These filters are not valid and were dropped: %(filters)s.") % {"filters": ", ".join(bad.names)}
        )
        query = bad.good.urlencode()
        return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)


def filtered_changelist(model_admin, request):
    try:
        return model_admin.get_changelist_instance(request)
    except FILTER_ERRORS as exc:
        raise _bad_filters(model_admin, request) from exc


def _groups(model_admin, params: QueryDict) -> list[list[str]]:
    """Parameters tried together: the date hierarchy's year, month and day are one filter."""
    date_keys = (
        {f"{model_admin.date_hierarchy}__{part}" for part in DATE_PARTS} if model_admin.date_hierarchy else set()
    )
    dates = [key for key in params if key in date_keys]
    return ([dates] if dates else []) + [[key] for key in params if key not in date_keys and key != ERROR_FLAG]


def _bad_filters(model_admin, request) -> BadFilters:
    bad_keys = []
    for group in _groups(model_admin, request.GET):
        trial = copy.copy(request)
        trial.GET = QueryDict(mutable=True)
        for key in group:
            trial.GET.setlist(key, request.GET.getlist(key))
        try:
            model_admin.get_changelist_instance(trial)
        except FILTER_ERRORS:
            bad_keys.extend(group)
    bad_keys = bad_keys or [key for key in request.GET if key != ERROR_FLAG]  # only together: name them all
    good = request.GET.copy()
    for key in [*bad_keys, ERROR_FLAG]:
        good.pop(key, None)
    names = [f"{key}={value[:SHOWN_VALUE]}" for key in bad_keys for value in request.GET.getlist(key)]
    return BadFilters(names, good)
