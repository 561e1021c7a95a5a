"""API querysets go through the same company scoping as the admin.

A platform API key is the city's own integration: it sees every company.
A person sees what ``accounts.scoping.scope_queryset`` lets them see.
"""

from accounts.scoping import scope_queryset
from api.auth import platform_key


def scoped(queryset, request):
    if platform_key(request) is not None:
        return queryset
    return scope_queryset(queryset, request.user)


class ScopedQuerysetMixin:
    """For generic views and viewsets: ``queryset`` narrowed per request."""

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request)
