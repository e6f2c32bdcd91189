"""Sign-in backend: Django's ModelBackend, plus what customer visibility needs, read with the user.

Every signed-in page loads the user (the session names the user id) and then, through
`Customer.objects.visible_to(user)`, the org-wide visibility setting and the user's team ids: two
more statements per request. `StaffBackend.get_user` reads all three in one statement (two scalar
sub-selects beside the user row) and leaves the answers on the user object, where `visible_to` and
`User.team_ids()` look first.

This is not a cache: the values are read from the database on every request, in the same statement
as the user, so a change to a team or to the org setting committed by any process on any machine is
seen by the next request everywhere. They live as long as the user object, i.e. one request.

What is kept is only the statement: the ORM compiles it once per thread and database alias
(~3,000 Python calls each time otherwise) and each request binds the user id, then converts the
row with the compiler's own converters (SQLite's booleans and datetimes) as a queryset would.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Aggregate, CharField, OuterRef, Subquery

from tenure.lib.prepared import Prepared


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


def _user_with_visibility(user_id):
    model = get_user_model()
    return with_visibility(model._default_manager.filter(pk=user_id))


# Compiled once per thread and database alias; each request binds the user id (tenure.lib.prepared).
_USER = Prepared(_user_with_visibility)


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user_id = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a malformed id in a session is "no user", as in ModelBackend
            return None
        rows = _USER(user_id)
        if not rows:
            return None
        user = rows[0]
        if not self.user_can_authenticate(user):
            return None
        remember_visibility(user)
        return user
