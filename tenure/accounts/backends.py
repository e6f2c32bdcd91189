"""Sign-in backend: Django's ModelBackend, plus what customer visibility needs, read with the user.

Every signed-in page loads the user (the session names the user id) and then, through
`Customer.objects.visible_to(user)`, the org-wide visibility setting and the user's team ids: two
more statements per request. `StaffBackend.get_user` reads all three in one statement (two scalar
sub-selects beside the user row) and leaves the answers on the user object, where `visible_to` and
`User.team_ids()` look first.

This is not a cache: the values are read from the database on every request, in the same statement
as the user, so a change to a team or to the org setting committed by any process on any machine is
seen by the next request everywhere. They live as long as the user object, i.e. one request.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Aggregate, CharField, OuterRef, Subquery


class IdList(Aggregate):
    """The ids of a group as one comma-separated string (NULL for no rows)."""

    function = "GROUP_CONCAT"  # SQLite (and MySQL)
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template="%(function)s((%(expressions)s)::text, ',')"
        )


def with_visibility(users):
    """`users` (a User queryset) annotated with the org-wide setting and each user's team ids."""
    from tenure.accounts.models import OrgSettings

    memberships = get_user_model().teams.through.objects.filter(user_id=OuterRef("pk"))
    return users.annotate(
        visibility_open=Subquery(OrgSettings.objects.filter(pk=1).values("open_visibility")[:1]),
        visibility_team_ids=Subquery(
            memberships.order_by().values("user_id").annotate(ids=IdList("team_id")).values("ids")[:1]
        ),
    )


def remember_visibility(user) -> None:
    """Move the annotations of `with_visibility` to where `visible_to` and `team_ids()` read them.

    A missing settings row means the default (closed), the same as `OrgSettings.current()` creates.
    """
    user._open_visibility = bool(user.visibility_open)
    text = user.visibility_team_ids or ""
    user._team_ids = sorted(int(part) for part in text.split(",") if part)


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        users = get_user_model()._default_manager
        try:
            user = with_visibility(users.all()).get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        remember_visibility(user)
        return user
