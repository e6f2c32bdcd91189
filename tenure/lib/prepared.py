"""Reads of a fixed shape, compiled by the ORM once and then only re-bound.

A page runs the same few statements on every view with one value changing (the customer's id).
Building each through the ORM (queryset clone, filter resolution, compiler) costs 1,000–3,000
Python calls a statement, several times what running it costs. `Prepared` builds the queryset once
with a marker in place of that value, keeps the compiled SQL, the column names and the row
converters, and on each call binds the value, runs the statement and turns the rows into model
instances (`Model.from_db`, as a queryset does) or dicts (`values()` querysets).

Only the SQL text and the converters are kept (per thread: a compiler holds its thread's
connection); every call reads the database. A queryset whose SQL would not have exactly one
occurrence of the marker, or whose rows are not plain model rows (annotations allowed, set as
attributes) or `values()` rows (no `select_related`, no deferred fields), is refused when first
compiled.
"""

import threading

from django.db import connections, router
from django.db.models.query import ModelIterable, ValuesIterable

MARKER = -7_318_264_453  # stands for the bound value while compiling; never an id


class Prepared:
    def __init__(self, build):
        """`build(value)` returns the queryset for `value`; it is called once, with MARKER."""
        self.build = build
        self._here = threading.local()

    def _compiled(self, using: str | None):
        cache = getattr(self._here, "by_alias", None)
        if cache is None:
            cache = self._here.by_alias = {}
        found = cache.get(using)
        if found is None:
            found = cache[using] = self._compile(using)
        return found

    def _compile(self, using: str | None):
        qs = self.build(MARKER)
        query, model = qs.query, qs.model
        alias = using or router.db_for_read(model)
        compiler = query.get_compiler(alias)
        sql, params = compiler.as_sql()
        params = list(params)
        names = [name or col.target.attname for col, _sql, name in compiler.select]
        if params.count(MARKER) != 1:
            raise ValueError(f"the marker must occur once in {sql!r} {params!r}")
        if qs._iterable_class is ModelIterable:
            fields = [f.attname for f in model._meta.concrete_fields]
            extra = list(query.annotation_select)
            if query.select_related or names != [*fields, *extra]:
                raise ValueError(f"model rows must be exactly {model.__name__}'s fields: {names}")
            kind = "model"
        elif qs._iterable_class is ValuesIterable:
            kind = "values"
        else:
            raise ValueError("only model rows and values() rows")
        converters = compiler.get_converters([col for col, _sql, _name in compiler.select])
        return compiler, alias, sql, params, params.index(MARKER), names, converters, kind, model

    def __call__(self, value, *, using: str | None = None) -> list:
        compiler, alias, sql, params, at, names, converters, kind, model = self._compiled(using)
        params = [*params[:at], value, *params[at + 1 :]]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        if kind == "model":
            # Annotations come after the fields and become attributes, as a queryset sets them.
            n = len(model._meta.concrete_fields)
            out = []
            for row in rows:
                instance = model.from_db(alias, names[:n], row[:n])
                for name, value in zip(names[n:], row[n:], strict=True):
                    setattr(instance, name, value)
                out.append(instance)
            return out
        return [dict(zip(names, row, strict=True)) for row in rows]
