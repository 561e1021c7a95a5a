"""API querysets go through the same company scoping as the admin.

The city platform's API key sees every company. A key tied to a company, and
a person, see what ``accounts.scoping.scope_queryset`` lets them see.
"""

from accounts.scoping import scope_queryset
from api.auth import key_actor, platform_key


def actor_of(request):
    """Who acts for ``request``: the company key's actor, None for the city platform's key, else the person."""
    key = platform_key(request)
    if key is not None:
        return key_actor(key)
    return request.user


def scoped(queryset, request):
    key = platform_key(request)
    if key is not None and key_actor(key) is None:
        return queryset
    return scope_queryset(queryset, actor_of(request))


class ScopedQuerysetMixin:
    """For generic views and viewsets: ``queryset`` narrowed per request."""

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request)
