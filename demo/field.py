"""Demo patrollers for the field page: patrol01–patrol03, each a member of one of the first demo teams."""

from accounts.models import User
from accounts.roles import PATROLLER, roles_sync

FIELD_USERS = [("patrol01", "孙", "巡护"), ("patrol02", "周", "巡护"), ("patrol03", "吴", "巡护")]


def demo_field_users_build(*, password: str) -> list[User]:
    """Created once (a later run keeps their passwords); each joins one active team (in name order)."""
    from patrols.models import Team

    group = roles_sync().get(PATROLLER)
    teams = list(
        Team.objects.filter(active=True, sections__active=True).distinct().order_by("name")[: len(FIELD_USERS)]
    )
    users = []
    for index, (username, last, first) in enumerate(FIELD_USERS):
        user, created = User.objects.get_or_create(username=username, defaults={"last_name": last, "first_name": first})
        if created:
            user.set_password(password)
            user.save()
        if group is not None:
            user.groups.add(group)
        if index < len(teams):
            teams[index].members.add(user)
        users.append(user)
    return users
