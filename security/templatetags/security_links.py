"""Template tags for other apps' pages: an emergency incident's linked theft incidents (the link is kept on the
security side, so emergency does not import security)."""

from django import template

from accounts.scoping import scope_queryset

register = template.Library()


@register.simple_tag
def theft_incidents_of(emergency_incident, user):
    """The theft incidents linked to ``emergency_incident`` that ``user`` may see."""
    return list(scope_queryset(emergency_incident.theft_incidents.all(), user).order_by("found_on", "pk"))
