"""Django's database sessions, read with one fixed statement instead of a query built by the ORM.

Every signed-in request reads its session row. `django.contrib.sessions.backends.db` builds that
`SELECT` through the ORM each time (~1,000 Python calls: queryset, lookups, compiler); the statement
is always the same, so it is written once here and only the key and the current time are bound.
Same table, same rows, same expiry rule (`expire_date > now`), same writes (inherited): sessions
created by either engine work with the other, and nothing is cached between requests.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        if not self.session_key:  # no cookie, or one that failed validation
            self._session_key = None
            return None
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        quote = connection.ops.quote_name
        meta = model._meta
        data, expire = meta.get_field("session_data"), meta.get_field("expire_date")
        key = meta.get_field("session_key")
        sql = (
            f"SELECT {quote(data.column)} FROM {quote(meta.db_table)} "
            f"WHERE {quote(key.column)} = %s AND {quote(expire.column)} > %s"
        )
        now = expire.get_db_prep_value(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])  # load() reads session_data
