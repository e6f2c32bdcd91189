"""Reads of a fixed shape, compiled by the ORM once and then only re-bound.

A page runs the same few statements on every view with one value changing (the customer's id).
Building each through the ORM (queryset clone, filter resolution, compiler) costs 1,000–3,000
Python calls a statement, several times what running it costs. `Prepared` builds the queryset once
with a marker in place of that value, keeps the compiled SQL, the column names and the row
converters, and on each call binds the value (wherever the marker occurs: a statement may use the
customer's id in several sub-selects), runs the statement and turns the rows into model instances
(`Model.from_db`, with `select_related` objects and annotations, as a queryset does) or dicts
(`values()` querysets).

Only the SQL text and the converters are kept (per thread: a compiler holds its thread's
connection); every call reads the database. A queryset whose SQL does not contain the marker, or
whose rows are not model rows with all their fields (annotations and `select_related` allowed,
no deferred fields) or `values()` rows, is refused when first compiled.
"""

import threading

from django.db import connections, router
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators

MARKER = -7_318_264_453  # stands for the bound value while compiling; never an id
# A statement of several values (`Prepared(build, arity=n)`): value i is compiled as MARKER - i.


def _full_rows(model, names: list[str]) -> bool:
    return names == [f.attname for f in model._meta.concrete_fields]


def _full_related(populators) -> bool:
    return all(
        _full_rows(p.model_cls, p.init_list) and _full_related(p.related_populators) for p in populators
    )


class Prepared:
    def __init__(self, build, *, arity: int = 1):
        """`build(value)` returns the queryset for `value`; it is called once, with MARKER.

        With `arity=n`, `build(v0, …, vn-1)` is called once with MARKER, MARKER - 1, …, and each
        call binds n values (each may occur several times or, for a value that is only part of the
        SQL's shape, never; every one of them must occur at least once)."""
        self.build = build
        self.arity = arity
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
        markers = [MARKER - i for i in range(self.arity)]
        qs = self.build(*markers)
        query, model = qs.query, qs.model
        alias = using or router.db_for_read(model)
        compiler = query.get_compiler(alias)
        sql, params = compiler.as_sql()
        params = list(params)
        at = tuple((i, markers.index(p)) for i, p in enumerate(params) if type(p) is int and p in markers)
        if {which for _i, which in at} != set(range(self.arity)):
            raise ValueError(f"every marker must occur in {sql!r} {params!r}")
        names = [name or col.target.attname for col, _sql, name in compiler.select]
        shape = None
        if qs._iterable_class is ModelIterable:
            info = compiler.klass_info
            fields = info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            init = [col.target.attname for col, _sql, _name in compiler.select[start:end]]
            related = get_related_populators(info, compiler.select, alias)
            if not _full_rows(model, init) or not _full_related(related):
                raise ValueError(f"model rows must hold all of {model.__name__}'s fields: {names}")
            shape = ("model", start, end, init, related, tuple(compiler.annotation_col_map.items()))
        elif qs._iterable_class is ValuesIterable:
            shape = ("values",)
        else:
            raise ValueError("only model rows and values() rows")
        converters = compiler.get_converters([col for col, _sql, _name in compiler.select])
        return compiler, alias, sql, params, at, names, converters, shape, model

    def __call__(self, *values, using: str | None = None) -> list:
        compiler, alias, sql, params, at, names, converters, shape, model = self._compiled(using)
        if len(values) != self.arity:
            raise TypeError(f"{self.arity} value(s) to bind, {len(values)} given")
        params = params.copy()
        for i, which in at:
            params[i] = values[which]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        if shape[0] == "values":
            return [dict(zip(names, row, strict=True)) for row in rows]
        # What ModelIterable does: the model's columns, the select_related objects, annotations.
        _kind, start, end, init, related, annotations = shape
        out = []
        for row in rows:
            instance = model.from_db(alias, init, row[start:end])
            for populator in related:
                populator.populate(row, instance)
            for name, pos in annotations:
                setattr(instance, name, row[pos])
            out.append(instance)
        return out
