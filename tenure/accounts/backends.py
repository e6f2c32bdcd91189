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

import threading

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router
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


_MARKER = -7_318_264_451  # stands for the user id while the statement is compiled; never an id
_compiled_here = threading.local()  # a compiler holds its thread's connection: one per thread


def _compiled(using: str):
    """(compiler, sql, params, index of the user id in params, field names, converters) of
    `with_visibility(...)` for one user, compiled on the first call in this thread and reused."""
    cache = getattr(_compiled_here, "by_alias", None)
    if cache is None:
        cache = _compiled_here.by_alias = {}
    found = cache.get(using)
    if found is None:
        model = get_user_model()
        query = with_visibility(model._default_manager.filter(pk=_MARKER)).query
        compiler = query.get_compiler(using)
        sql, params = compiler.as_sql()
        params = list(params)
        names = [alias or col.target.attname for col, _sql, alias in compiler.select]
        fields = [f.attname for f in model._meta.concrete_fields]
        # The shape from_db() expects: every concrete field in order, then the two annotations.
        if params.count(_MARKER) != 1 or names != [*fields, "visibility_open", "visibility_team_ids"]:
            raise RuntimeError(f"unexpected user statement: {sql}")
        converters = compiler.get_converters([col for col, _sql, _alias in compiler.select])
        found = (compiler, sql, params, params.index(_MARKER), fields, converters)
        cache[using] = found
    return found


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user_id = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a malformed id in a session is "no user", as in ModelBackend
            return None
        using = router.db_for_read(model)
        compiler, sql, params, at, fields, converters = _compiled(using)
        params = [*params[:at], user_id, *params[at + 1 :]]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(compiler.apply_converters([row], converters))
        user = model.from_db(using, fields, row[: len(fields)])
        user.visibility_open, user.visibility_team_ids = row[len(fields) :]
        if not self.user_can_authenticate(user):
            return None
        remember_visibility(user)
        return user
