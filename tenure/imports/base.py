"""The import driver shared by customers, orders and interactions.

A file is read as a stream and handled in batches (BATCH_ROWS rows, one transaction each, set-based
reads and writes). Every row ends up counted once: created, updated, unchanged or rejected; each
rejection carries the file's line number, the field and the reason, and goes to the report as it
happens, so memory stays flat however long the file is.
"""

import csv
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models.base import ModelState
from django.utils.translation import gettext as _

from tenure.customers.exporting import FORMULA_START, neutralise
from tenure.imports import fields as F
from tenure.lib.tabular import TableError

BATCH_ROWS = 2000
PREVIEW_LIMIT = 200


@dataclass
class Rejection:
    line: int
    field: str
    reason: str
    values: dict[str, str]


@dataclass
class Result:
    kind: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    customers_created: int = 0
    seconds: float = 0.0
    # A bulk load (tenure.imports.bulk): indexes and constraints set aside, seconds to rebuild them.
    deferred: int = 0
    rebuild_seconds: float = 0.0
    error: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    preview: list[Rejection] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return round(self.rows / self.seconds, 1) if self.seconds else 0.0

    def summary(self) -> dict:
        out = {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 3),
            "rows_per_second": self.rows_per_second,
        }
        if self.kind != F.CUSTOMERS:
            out["customers_created"] = self.customers_created
        if self.deferred:
            out["indexes_deferred"] = self.deferred
            out["rebuild_seconds"] = round(self.rebuild_seconds, 3)
        if self.error:
            out["error"] = self.error
        return out


class ReportWriter:
    """The rejected rows as CSV: line, field, reason, then the row's original values. Every cell is
    neutralised against spreadsheet formulas; UTF-8 with a BOM for Excel."""

    def __init__(self, stream, headers: list[str]):
        self.headers = headers
        stream.write("\ufeff")
        self.writer = csv.writer(stream)
        self.writer.writerow([neutralise(h) for h in ["line", "field", "reason", *headers]])

    def write(self, rejection: Rejection) -> None:
        self.writer.writerow(
            [
                neutralise(v)
                for v in [
                    rejection.line,
                    rejection.field,
                    rejection.reason,
                    *(rejection.values.get(h, "") for h in self.headers),
                ]
            ]
        )


Row = tuple[int, dict[str, str]]  # (line number, raw row)


class Importer:
    """Subclasses implement `handle_batch(prepared)` and call `reject` / count as they go; the part
    of a batch's work that needs no database (reading cells, validating them) goes in
    `prepare(rows)`, which must not touch the database."""

    kind: str = ""
    # Whether `prepare` holds enough of the work that a second process doing it gains more than
    # sending its result through a pipe costs (services.run's default for the command line).
    prepare_apart: bool = False

    def __init__(
        self,
        *,
        mapping: dict[str, str],
        actor=None,
        owner=None,
        dry_run: bool = False,
        create_customers: bool = False,
        on_reject: Callable[[Rejection], None] | None = None,
    ):
        self.mapping = {h: f for h, f in mapping.items() if f != F.IGNORE}
        self.ignored = [h for h, f in mapping.items() if f == F.IGNORE]
        self.actor = actor
        self.owner = owner
        self.dry_run = dry_run
        self.create_customers = create_customers
        self.on_reject = on_reject
        self.result = Result(kind=self.kind, dry_run=dry_run, columns=dict(mapping))
        self.region = settings.TENURE_PHONE_REGION
        self._rejected_lines: set[int] = set()
        self.processes = 1  # 2: read and validate in a second process (prepared_batches)
        # The file's headers, in order (services.run): a row's cells may then travel as a tuple
        # (raw_dict gives the dict back).
        self.headers: list[str] | None = None
        # With a second process on PostgreSQL, a thread writing batches on a connection of its own
        # (Flusher): set by run(); a batch's write is handed to it through `self.deferred`.
        self.flusher: Flusher | None = None
        self.deferred: list[tuple[str, list[str], list]] | None = None

    # --- reporting ---
    def reject(self, line: int, field_name: str, reason: str, raw: dict[str, str]) -> None:
        rejection = Rejection(line, field_name, str(reason), raw)
        if line not in self._rejected_lines:
            self._rejected_lines.add(line)
            self.result.rejected += 1
        if len(self.result.preview) < PREVIEW_LIMIT:
            self.result.preview.append(rejection)
        if self.on_reject is not None:
            self.on_reject(rejection)

    def raw_dict(self, raw) -> dict[str, str]:
        """A row's cells as {header: text}, from the tuple (in header order) prepare may keep."""
        return raw if isinstance(raw, dict) else dict(zip(self.headers, raw, strict=True))

    # Whether `prepare` and `group_key` take a row as the list of its cells (Table.cells) too.
    reads_cells = False

    # --- visibility ---
    def customers(self):
        """The customers this import may read and change: the actor's visible ones (all for the
        command line, which runs as the operator)."""
        from tenure.customers.models import Customer

        if self.actor is None:
            return Customer.objects.all()
        return Customer.objects.visible_to(self.actor)

    # --- batching ---
    def group_key(self, raw: dict[str, str]):
        return None

    def batches(self, rows: Iterable[Row]) -> Iterator[list[Row]]:
        batch: list[Row] = []
        keyed = type(self).group_key is not Importer.group_key
        group_key = self.group_key
        try:
            for row in rows:
                # A full batch ends before a row of another group (an order's lines stay together):
                # keys are read only then, not for every row.
                if len(batch) >= BATCH_ROWS and (not keyed or group_key(row[1]) != group_key(batch[-1][1])):
                    yield batch
                    batch = []
                batch.append(row)
        except TableError:
            if batch:
                yield batch  # the rows read before the file broke
            raise
        if batch:
            yield batch

    def values(self, raw: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """(field -> cell text for mapped columns, header -> cell text for the others)."""
        mapped: dict[str, str] = {}
        extra: dict[str, str] = {}
        for header, value in raw.items():
            if value[:1] == "'" and value[1:].lstrip(" ").startswith(FORMULA_START):
                value = value[1:]  # undo the export's formula neutralisation
            target = self.mapping.get(header)
            if target is not None:
                mapped[target] = value
            elif header not in self.ignored:
                extra[header] = value
        return mapped, extra

    def run(self, table: Iterable[Row]) -> Result:
        with fewer_collections():
            return self._run(table)

    def _run(self, table: Iterable[Row]) -> Result:
        started = time.perf_counter()
        _STAMPED.clear()  # looked up again for each import: a migration may have changed it since
        self.before_reading()
        self.flusher = Flusher.start_for(self)
        try:
            try:
                for count, prepared in self.prepared_batches(table):
                    self.result.rows += count
                    self._rejected_lines = set()
                    self.wrote_in_batch = False
                    if self.dry_run:
                        self.handle_batch(prepared)
                        continue
                    with transaction.atomic():
                        self.handle_batch(prepared)
                    if self.deferred is not None:
                        # Written by the flusher while the next batch is prepared: what this
                        # connection did for the batch was reading (writing_apart), and the
                        # batch's rows go in one transaction of the flusher's.
                        self.flusher.submit(self.deferred, self.deferred_keys)
                        self.deferred = None
            except TableError as exc:
                # The file turned unreadable part-way (a broken encoding or quote at line N): the
                # batches before it stay imported and the counts say how far it got.
                self.result.error = str(exc)
            if self.flusher is not None:
                self.flusher.close()  # the last batch written, or its error raised
        finally:
            if self.flusher is not None:
                self.flusher.stop()
                self.flusher = None
        self.result.seconds = time.perf_counter() - started
        return self.result

    deferred_keys: frozenset = frozenset()

    def writing_apart(self, *, in_place: bool = False) -> bool:
        """Whether the batch being handled hands its rows to the flusher (`defer`), to be written
        after its transaction, in one of the flusher's: when there is a flusher, the batch wrote
        nothing on this connection and the caller does not ask for `in_place` (it changes rows
        already stored). Otherwise its rows are written here, once the batch in flight is (batches
        commit in file order)."""
        if self.flusher is None:
            return False
        if self.wrote_in_batch or in_place:
            self.flusher.wait()
            return False
        return True

    def defer(self, copies: list[tuple[str, list[str], list]], keys: frozenset) -> None:
        """The batch's rows for the flusher ((table, columns, rows) for copy_rows, in order), and
        its natural keys (order numbers), which the next batch checks with `wait_for_keys`."""
        self.deferred, self.deferred_keys = copies, keys

    # Whether the batch being handled wrote anything on this process's connection (products,
    # customers): then its rows are written here too, in the same transaction.
    wrote_in_batch = False
    # Whether the importer hands batches to a Flusher (writing_apart) when it can.
    writes_apart = False

    def wait_for_keys(self, keys) -> None:
        """Before looking up existing rows by `keys`: wait for the batch in flight when it holds
        any of them (a later fragment of an order written by the batch before)."""
        if self.flusher is not None and self.flusher.holds_any(keys):
            self.flusher.wait()

    def before_reading(self) -> None:
        """Load what `prepare` looks up (staff by name) before the first batch."""
        if any(f in ("owner", "representative", "handled_by") for f in self.mapping.values()):
            self.users_by_name()
            if self.actor is not None:
                self.actor.team_ids()

    def prepare(self, rows: list[Row]):
        """What `handle_batch` is given for `rows`: the rows parsed and validated, without the
        database and without `reject` (the errors are returned; handle_batch reports them). By
        default each row through `parse`: (line, raw, {field: value} or [(field, reason)])."""
        return [(line, raw, self.parse(line, raw)) for line, raw in rows]

    def parse(self, line: int, raw: dict[str, str]) -> dict | list[tuple[str, str]]:  # pragma: no cover
        raise NotImplementedError

    def accepted(self, prepared: list[tuple[int, dict, object]]) -> list[tuple[int, dict, dict]]:
        """The rows of `prepare`'s default result that parsed, the others' errors reported."""
        parsed = []
        for line, raw, data in prepared:
            if isinstance(data, list):
                for field_name, reason in data:
                    self.reject(line, field_name, reason, raw)
            else:
                parsed.append((line, raw, data))
        return parsed

    def prepared_batches(self, rows: Iterable[Row]) -> Iterator[tuple[int, object]]:
        """(rows in the batch, prepare(batch)) for each batch of `rows`; with `self.processes` > 1 (the command
        line), read and prepared by a second process while this one writes (`forked_batches`).

        Measured and rejected: preparing the next batch in a reader thread while this one is
        written. On SQLite it made imports slower (customers 7.6k -> 5.1k rows/s, orders 15.9k ->
        11.4k): sqlite3 releases the interpreter's lock around every row it steps, then waits for
        the reader to hand it back. On PostgreSQL it gained nothing measurable (orders 3.4-3.8 s
        against 3.4-4.0 s for 50k lines) (docs/benchmarks.md, session 8). A process has no such
        lock to share."""
        if self.processes > 1 and can_fork():
            yield from forked_batches(self, rows)
            return
        for batch in self.batches(rows):
            yield len(batch), self.prepare(batch)

    def look_up(self, prepared):
        """Run by the second process after `prepare`, on a connection of its own: read-only
        look-ups that save the writing process a query (`prepared` is returned, with what was
        found). The writer must not depend on them: what they miss, it looks up itself. By
        default nothing."""
        return prepared

    def handle_batch(self, prepared) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- shared look-ups ---
    def users_by_name(self) -> dict[str, object]:
        """Active staff by folded username (and display name), with their team ids; loaded once."""
        cache = getattr(self, "_users", None)
        if cache is None:
            from tenure.accounts.models import User

            cache = {}
            teams: dict[int, list[int]] = {}
            for uid, tid in User.teams.through.objects.values_list("user_id", "team_id").order_by(
                "team__name"
            ):
                teams.setdefault(uid, []).append(tid)
            for user in User.objects.filter(is_active=True):
                user._team_ids = teams.get(user.pk, [])
                cache.setdefault(F.fold(user.username), user)
                if user.display_name:
                    cache.setdefault(F.fold(user.display_name), user)
            self._users = cache
        return cache

    def user(self, text: str, *, assigning: bool = False):
        """The staff member named `text` or BadValue. When `assigning` customers, a non-admin actor
        may only name themselves or a teammate."""
        user = self.users_by_name().get(F.fold(text))
        if user is None:
            raise F.BadValue(_("Unknown staff member “%(name)s”.") % {"name": text})
        actor = self.actor
        if assigning and actor is not None and not actor.is_admin and user.pk != actor.pk:
            if not set(user._team_ids) & set(actor.team_ids()):
                raise F.BadValue(
                    _("You cannot give customers to “%(name)s” (not in your teams).") % {"name": text}
                )
        return user

    def default_owner(self):
        return self.owner if self.owner is not None else self.actor

    @staticmethod
    def team_of(user) -> int | None:
        if user is None:
            return None
        ids = getattr(user, "_team_ids", None)
        if ids is None:
            ids = user.team_ids()
        return ids[0] if ids else None

    def create_bare_customers(self, refs: list[str]) -> dict[str, int]:
        """--create-customers: a customer named after its external id for each unknown reference,
        owned by the default owner (counted in customers_created)."""
        from tenure.customers.models import Customer

        if self.dry_run:
            # Nothing is written, so a later batch would meet the same references again.
            seen = self.__dict__.setdefault("_dry_run_customers", set())
            self.result.customers_created += len(set(refs) - seen)
            seen.update(refs)
            return {ref: -1 for ref in refs}
        self.result.customers_created += len(refs)
        self.wrote_in_batch = True
        owner = self.default_owner()
        team = self.team_of(owner)
        if not refs:
            return {}
        objs = [
            Customer(name=ref, external_id=ref, owner_id=owner.pk if owner else None, team_id=team)
            for ref in refs
        ]
        insert_customers(objs)
        insert_search_docs(objs)
        return {c.external_id: c.pk for c in objs}


# --- Set-based reads and writes shared by the importers -------------------------------------


# The cyclic garbage collector's thresholds while an import runs (Python's are (700, 10, 10)).
GC_THRESHOLD = (10_000, 10, 10)


@contextmanager
def fewer_collections():
    """Run the cyclic garbage collector less often: a batch makes thousands of tuples, lists and
    dicts that live until it is written, and at Python's threshold (a collection every 700 new
    containers) their collections were a sixth of the reading process's time and a quarter of
    unpickling (1M order lines: 7.3-7.7 s against 6.1-6.3 s, docs/benchmarks.md, session 12).
    Reference counting frees them anyway; only cycles wait longer. The thresholds are the
    process's (a forked reading process inherits them), restored afterwards; one already higher
    stays."""
    import gc

    before = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(before, GC_THRESHOLD, strict=True)))
    try:
        yield
    finally:
        gc.set_threshold(*before)


def can_fork() -> bool:
    """Whether batches can be prepared in a forked process here (POSIX with fork)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def forked_batches(importer: Importer, rows: Iterable[Row]) -> Iterator[tuple[int, object]]:
    """`importer.prepared_batches(rows)` computed by a forked child: it reads the file and runs
    `prepare` (which touches no database) batch after batch, sending each (pickled) through a pipe,
    while this process writes the one before. The pipe's buffer bounds what is in flight, so memory
    stays flat; a read error (TableError) arrives after the batches before it, as it would here.

    The child inherits the open file and the importer's state (staff looked up, parsers); it never
    uses the database connection it also inherits, and ends with os._exit (multiprocessing's fork),
    so it closes nothing of the parent's. It dies with the parent (tenure.lib.lifetime)."""
    import multiprocessing
    import os

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    _widen_pipe(sender)
    child = context.Process(target=_prepare_in_child, args=(importer, rows, sender, os.getpid()), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                child.join()
                raise RuntimeError(
                    f"The process reading the file stopped (exit code {child.exitcode})."
                ) from None
            if kind == "batch":
                yield payload
            elif kind == "done":
                return
            elif kind == "table_error":
                raise TableError(payload)
            else:
                raise RuntimeError(f"Reading the file failed:\n{payload}")
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


PIPE_BYTES = 1 << 20


def _widen_pipe(end) -> None:
    """Let the pipe hold a few batches (Linux: 64 KB by default, a quarter of one batch of order
    lines). With less, every send waits until the writer reads: neither process can run ahead of
    the other, and each waited for the other about a fifth of an import (py-spy, 1M order lines).
    Up to /proc/sys/fs/pipe-max-size (1 MB unless raised); elsewhere, or if refused, as it was."""
    import fcntl

    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is None:  # pragma: no cover - not Linux
        return
    try:
        with open("/proc/sys/fs/pipe-max-size") as limit:
            size = min(PIPE_BYTES, int(limit.read()))
        fcntl.fcntl(end.fileno(), set_size, size)
    except (OSError, ValueError):  # pragma: no cover - kept at the default
        pass


def _prepare_in_child(importer: Importer, rows: Iterable[Row], sender, parent_pid: int) -> None:
    import traceback

    from tenure.lib.lifetime import exit_with_parent

    exit_with_parent(parent_pid)
    own = False
    try:
        own = looking_up = _own_connection()
        for batch in importer.batches(rows):
            prepared = importer.prepare(batch)
            if looking_up:
                try:
                    prepared = importer.look_up(prepared)
                except DatabaseError:
                    looking_up = False  # the writer looks everything up itself, as in one process
            sender.send(("batch", (len(batch), prepared)))
        sender.send(("done", None))
    except TableError as exc:
        sender.send(("table_error", str(exc)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()
        if own:
            from django.db import connection

            connection.close()  # the child's own (the parent's is never touched here)


LOOK_UP_LOCK_TIMEOUT_MS = 2000


class Flusher:
    """A thread that writes an importer's batches (COPY and commit) on a database connection of its
    own, so the server stores batch N while this process prepares batch N+1: the writer otherwise
    waits on the server for about a third of an import (py-spy, 1M order lines on PostgreSQL).

    One batch at a time: `submit` waits for the one before, so batches commit in file order and at
    most one is in flight. A batch is one transaction of its own, as when written in place. After an
    error nothing more is written, and `wait`, `submit` and `close` raise it in the importer's
    thread.

    Only for PostgreSQL, from the command line (a second process reading) and outside any
    transaction: a transaction around the import would hold rows and locks the flusher's
    connection cannot see or would wait on; on SQLite two connections writing at once take turns
    on the database's one write lock."""

    def __init__(self):
        import queue
        import threading

        self._jobs: queue.Queue = queue.Queue(maxsize=1)
        self._idle = threading.Event()
        self._idle.set()
        self._error: BaseException | None = None
        self._keys: frozenset = frozenset()
        self._thread = threading.Thread(target=self._work, name="tenure-import-flusher", daemon=True)
        self._thread.start()

    @classmethod
    def start_for(cls, importer: "Importer") -> "Flusher | None":
        from django.db import connection

        if (
            importer.dry_run
            or importer.processes < 2
            or not importer.writes_apart
            or connection.vendor != "postgresql"
            or connection.in_atomic_block
        ):
            return None
        return cls()

    def _work(self) -> None:
        from django.db import connection

        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                try:
                    if self._error is None:
                        with transaction.atomic():
                            for table, columns, rows in job:
                                copy_rows(connection, table, columns, rows)
                except BaseException as exc:  # noqa: BLE001 - raised in the importer's thread
                    self._error = exc
                finally:
                    self._idle.set()
        finally:
            connection.close()  # this thread's own

    def holds_any(self, keys) -> bool:
        """Whether the batch being written has any of `keys` (it may already have committed)."""
        return not self._idle.is_set() and not self._keys.isdisjoint(keys)

    def submit(self, job: list[tuple[str, list[str], list]], keys: frozenset) -> None:
        self.wait()
        self._keys = keys
        self._idle.clear()
        self._jobs.put(job)

    def wait(self) -> None:
        """Until the batch in flight is written; raise the error of one that could not be."""
        self._idle.wait()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        self.wait()
        self.stop()

    def stop(self) -> None:
        """End the thread once the batch in flight is done (idempotent; raises nothing)."""
        if self._thread.is_alive():
            self._idle.wait()
            self._jobs.put(None)
            self._thread.join()


def _own_connection() -> bool:
    """In the forked child: a fresh connection to the default database in place of the parent's,
    whose socket (or SQLite handle) and transaction state the fork copied: the child neither uses
    nor closes it. False (no look-ups) when the child could not see what the parent sees: an
    in-memory SQLite database exists in its own process only, and a parent inside a transaction
    (an outer atomic block, a test) has rows and locks the child's connection would wait on while
    the parent waits on the child. On PostgreSQL a look-up waits at most LOOK_UP_LOCK_TIMEOUT_MS
    for a lock (then the writer looks everything up itself), so no lock taken elsewhere can stall
    the pipeline."""
    from django.db import DEFAULT_DB_ALIAS, connections

    inherited = connections[DEFAULT_DB_ALIAS]
    if inherited.in_atomic_block or (inherited.vendor == "sqlite" and inherited.is_in_memory_db()):
        return False
    own = connections[DEFAULT_DB_ALIAS] = connections.create_connection(DEFAULT_DB_ALIAS)
    if own.vendor == "postgresql":
        try:
            with own.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {LOOK_UP_LOCK_TIMEOUT_MS:d}")
        except DatabaseError:
            own.close()
            return False  # the writer looks everything up itself, as in one process
    return True


def text_in(field: str, values: Iterable[str]):
    """Q(field__in=values) for a text field, the list sent as one JSON parameter and unpacked by the
    database (json_each on SQLite, jsonb_array_elements_text on PostgreSQL): Django prepares each
    value of an IN list separately, which cost a look-up of 2,000 keys more than the query."""
    return _json_in(field, list(values), "")


def ids_in(field: str, values: Iterable[int]):
    """Q(field__in=values) for an integer field (primary or foreign keys), as text_in."""
    return _json_in(field, [int(v) for v in values], "::bigint")


def _json_in(field: str, values: list, cast: str):
    from django.db import connection
    from django.db.models import Q
    from django.db.models.expressions import RawSQL

    if connection.vendor == "sqlite":
        sql = "SELECT value FROM json_each(%s)"
    elif connection.vendor == "postgresql":
        sql = f"SELECT jsonb_array_elements_text(%s::jsonb){cast}"
    else:  # pragma: no cover - Tenure runs on SQLite and PostgreSQL
        return Q(**{f"{field}__in": values})
    return Q(**{f"{field}__in": RawSQL(sql, [json.dumps(values, ensure_ascii=False)])})


def load_instances(queryset, fields: list[str]) -> Iterator:
    """The rows of `queryset` as model instances holding only `fields` (others are deferred, as with
    .only()), built without Model.__init__ and from_db: a re-import loads every row it matches."""
    model = queryset.model
    attnames = [model._meta.get_field(f).attname for f in fields]
    alias = queryset.db
    new = model.__new__
    for row in queryset.order_by().values_list(*attnames):
        obj = new(model)
        state = obj._state = ModelState()
        state.adding = False
        state.db = alias
        obj.__dict__.update(zip(attnames, row, strict=True))
        yield obj


# --- Set-based writes shared by the importers -----------------------------------------------


def search_tokens(customer) -> set[str]:
    """The tokens of a new customer (without contacts): tenure.customers.search.customer_tokens."""
    from tenure.customers import search

    return search.customer_tokens(customer)


# Backslash, tab, newline and carriage return are escaped in COPY's text format; nothing else is.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_text(text: str) -> str:
    """`text` escaped for COPY's text format (translated only when it needs it: str.translate with
    a mapping looks up every character)."""
    return text.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(text) else text


def insert_search_docs(customers) -> None:
    """Insert the search entries of freshly created customers, one row per customer (COPY on
    PostgreSQL): the model-instance path costs more than the rest of a customer import."""
    copy_search_docs((c.pk, tokens) for c in customers if (tokens := search_tokens(c)))


def search_doc_text(tokens) -> str | None:
    """A search entry as the database stores it (None for no tokens): FTS-encoded on SQLite,
    tsvector's text syntax on PostgreSQL (tenure.customers.search)."""
    from django.db import connection

    return search_doc_writer(connection.vendor)(tokens)


def search_doc_writer(vendor: str) -> Callable[[Iterable[str]], str | None]:
    """search_doc_text for a database `vendor`, looked up once: asking the connection for its
    vendor goes through a thread-local proxy (~2 µs, a tenth of a customer's search entry)."""
    from tenure.customers.search import fts_doc, tsvector_text

    write = tsvector_text if vendor == "postgresql" else fts_doc
    return lambda tokens: write(tokens) if tokens else None


def copy_search_docs(entries) -> None:
    """(customer id, tokens) pairs into customers_searchdoc, for customers that have no entry yet
    (`copy_search_doc_texts`)."""
    copy_search_doc_texts((pk, search_doc_text(tokens)) for pk, tokens in entries)


def copy_search_doc_texts(entries) -> None:
    """(customer id, entry from search_doc_text) pairs into customers_searchdoc; None is no entry.

    PostgreSQL: COPY with the entry in tsvector's text syntax (search.tsvector_text: each token
    quoted, taken verbatim, the lexemes array_to_tsvector would make; tested equal) written in one
    piece, psycopg's write_row costing more per row in Python. SQLite: one executemany of the
    FTS-encoded entries; the triggers put them into the FTS5 table."""
    from django.db import connection

    from tenure.customers.search import DOC_TABLE

    table = connection.ops.quote_name(DOC_TABLE)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            data = "".join([f"{pk}\t{_copy_text(doc)}\n" for pk, doc in entries if doc is not None])
            if data:
                with cursor.cursor.copy(f"COPY {table} (customer_id, doc) FROM STDIN") as copy:
                    copy.write(data.encode())
        else:
            rows = [(pk, doc) for pk, doc in entries if doc is not None]
            if rows:
                cursor.executemany(f"INSERT INTO {table} (customer_id, doc) VALUES (%s, %s)", rows)


def insert_customers(customers: list) -> None:
    """INSERT new Customer instances set-based and give them their primary keys (read back by uid)."""
    from tenure.customers.models import Customer

    insert_objects(Customer, customers, key="uid")


def insert_objects(model, objs: list, *, key: str | None, copies: list | None = None) -> None:
    """INSERT new instances of `model` set-based; with `key` (a unique field) give them their
    primary keys.

    Values are validated by the importer before this point; Django's bulk_create would spend most of
    an import preparing each value again. Here only the types that need it (JSON, UUID, dates,
    decimals) are adapted, by the field's own get_db_prep_save (a value equal to the field's default
    is adapted once per batch); created_at and updated_at are set to one timestamp per batch. Rows go
    in with one executemany (COPY on PostgreSQL).

    Primary keys without reading the rows back: on PostgreSQL they are drawn from the table's
    sequence first and written with the rows; on SQLite the batch's ids are consecutive (the
    transaction holds the database's write lock, and AUTOINCREMENT gives max + 1 to each row), ending
    at last_insert_rowid(), which is checked against `key` on the first and the last row (and, should
    that ever fail, the ids are read back by `key`).

    With `copies` (PostgreSQL, `key` given), the rows are not written but appended to it as
    (table, columns, rows) for copy_rows, to be written later by Importer.flusher; the instances get
    their primary keys all the same.
    """
    from django.db import DEFAULT_DB_ALIAS, connections, models
    from django.utils import timezone

    if not objs:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the lazy proxy
    now = timezone.now()
    pk_field = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    attnames = [f.attname for f in fields]
    adapt = [
        (i, f)
        for i, f in enumerate(fields)
        if isinstance(f, models.JSONField | models.UUIDField | models.DateField | models.DecimalField)
    ]
    # The timestamps, one value for every row, are adapted once rather than per row.
    stamped = {i for i, f in adapt if f.attname in ("created_at", "updated_at")}
    now_db = {i: adapt_date(connection, fields[i], now) for i in stamped}
    # The common values of the other adapted fields ({} and [] in a JSON field, no date) likewise.
    common: dict[int, tuple] = {}
    for i, f in adapt:
        if i not in stamped and isinstance(f, models.JSONField):
            empty = [] if callable(f.default) and f.default is list else {}
            adapted = f.get_db_prep_save(empty, connection)
            if connection.vendor == "postgresql":
                # COPY sends text, which the server reads as the column's type: the JSON text
                # itself, written once, rather than a wrapper psycopg serialises again for every
                # row (two such fields cost a 1M-customer import ~2 s).
                adapted = json.dumps(empty)
            common[i] = (empty, adapted)
    per_row = [(i, f, common.get(i)) for i, f in adapt if i not in stamped]
    # Dates repeat (a day's orders): each distinct one is adapted once, and remembered across
    # calls (bounded) for this field and database. Equal aware datetimes are the same instant,
    # which is what the database stores for either.
    adapted_dates: dict[int, dict] = {
        i: _adapted_dates(connection, model, f) for i, f in adapt if isinstance(f, models.DateField)
    }
    adapt_decimal = connection.ops.adapt_decimalfield_value
    ids: list[int] | None = None
    if key is not None and connection.vendor == "postgresql":
        ids = reserve_ids(connection, model, len(objs))
    rows = []
    for n, obj in enumerate(objs):
        values = obj.__dict__
        values["created_at"] = values["updated_at"] = now
        row = [values[name] for name in attnames]
        for i, value in now_db.items():
            row[i] = value
        for i, model_field, same in per_row:
            value = row[i]
            if same is not None and value == same[0] and type(value) is type(same[0]):
                row[i] = same[1]
            elif type(value) is Decimal:
                # What DecimalField.get_db_prep_save gives for a Decimal, without copying it first.
                row[i] = adapt_decimal(value, model_field.max_digits, model_field.decimal_places)
            elif value is not None:
                seen = adapted_dates.get(i)
                if seen is None:
                    row[i] = model_field.get_db_prep_save(value, connection)
                else:
                    as_key = (type(value), value)
                    done = seen.get(as_key)
                    if done is None:
                        done = seen[as_key] = adapt_date(connection, model_field, value)
                    row[i] = done
        if ids is not None:
            row.append(ids[n])
        rows.append(row)
    columns = [f.column for f in fields]
    if ids is not None:
        columns.append(pk_field.column)
    if copies is not None and ids is not None:
        copies.append((model._meta.db_table, columns, rows))
        last_id = None
    else:
        last_id = copy_rows(connection, model._meta.db_table, columns, rows)
    if key is None:
        return
    if ids is None:
        attname = model._meta.get_field(key).attname
        ids = ids_of_inserted(model, key, [obj.__dict__[attname] for obj in objs], last_id)
    alias = connection.alias
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias


_ADAPTED_DATES: dict[tuple, dict] = {}
ADAPTED_DATES_LIMIT = 20_000


def _date_for_copy(connection, value):
    """A date or datetime as COPY takes it on PostgreSQL: its ISO 8601 text, which the server reads
    whatever its DateStyle (an aware datetime with its UTC offset, so the same instant). psycopg
    dumps a datetime object in ~0.85 µs, a str in ~0.15 µs: three per order made a fifth of the
    flusher's time (docs/benchmarks.md, session 12). Other values, and other databases (whose
    adapters already return text), are left as they are."""
    if connection.vendor == "postgresql" and isinstance(value, date):
        return value.isoformat()
    return value


def adapt_date(connection, field, value):
    """`value` of the date or datetime `field` as copy_rows takes it on `connection` (the field's
    get_db_prep_save, then _date_for_copy)."""
    return _date_for_copy(connection, field.get_db_prep_save(value, connection))


def _adapted_dates(connection, model, field) -> dict:
    """{(type, value): database value} of `field`'s dates already adapted on this database
    (the database's own time zone setting is part of the key); emptied at ADAPTED_DATES_LIMIT."""
    key = (connection.alias, connection.vendor, connection.timezone_name, model, field.attname)
    seen = _ADAPTED_DATES.get(key)
    if seen is None or len(seen) > ADAPTED_DATES_LIMIT:
        seen = _ADAPTED_DATES[key] = {}
    return seen


def reserve_ids(connection, model, count: int) -> list[int]:
    """`count` new primary keys from the table's sequence (PostgreSQL), in ascending order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_sequence(connection, model), count]
        )
        return sorted(row[0] for row in cursor.fetchall())


_SEQUENCES: dict[tuple, str] = {}


def _sequence(connection, model) -> str:
    """The name of the sequence behind `model`'s primary key, looked up once per database: called
    in the query for each row drawn, pg_get_serial_sequence cost 3 ms for 1,300 ids, six times
    what drawing them does."""
    key = (connection.alias, connection.settings_dict["NAME"], model._meta.db_table)
    name = _SEQUENCES.get(key)
    if name is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column],
            )
            name = _SEQUENCES[key] = cursor.fetchone()[0]
    return name


def ids_of_inserted(model, key: str, keys: list, last_id: int | None) -> list[int]:
    """The primary keys of rows just inserted in one statement on SQLite, whose unique `key` field
    holds `keys`, in order: consecutive, ending at `last_id` (last_insert_rowid()), which is checked
    on the first and the last row; should that ever fail, they are read back by `key`."""
    first_id = last_id - len(keys) + 1 if last_id else None
    if first_id is not None and _ids_match(model, key, keys, first_id, last_id):
        return list(range(first_id, last_id + 1))
    return _read_back_ids(model, keys, key)  # pragma: no cover - only if the rowids were not consecutive


def _ids_match(model, key: str, keys: list, first_id: int, last_id: int) -> bool:
    field = model._meta.get_field(key)
    found = dict(model._default_manager.filter(pk__in=[first_id, last_id]).values_list("pk", field.attname))
    # Keys as the field reads them back (a UUID's hex text is a UUID again).
    return found.get(first_id) == field.to_python(keys[0]) and found.get(last_id) == field.to_python(keys[-1])


def _read_back_ids(model, keys: list, key: str) -> list[int]:
    field = model._meta.get_field(key)
    keys = [field.to_python(k) for k in keys]
    by_key: dict = {}
    manager = model._default_manager
    for chunk in range(0, len(keys), 2000):
        by_key.update(manager.filter(**{f"{key}__in": keys[chunk : chunk + 2000]}).values_list(key, "pk"))
    return [by_key[k] for k in keys]


STAMPS = ("created_at", "updated_at")
_STAMPED: dict[tuple, bool] = {}


def stamped_by_database(connection, model) -> bool:
    """Whether `model`'s table fills created_at and updated_at itself (PostgreSQL: both default to
    statement_timestamp(), migration imports 0003): then new rows are copied without them. Looked
    up once per database and table in an import (Importer.run forgets it); False elsewhere, or if
    a default has gone."""
    if connection.vendor != "postgresql":
        return False
    table = model._meta.db_table
    key = (connection.alias, connection.settings_dict["NAME"], table)
    found = _STAMPED.get(key)
    if found is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s AND column_name = ANY(%s) AND column_default = 'statement_timestamp()'",
                [table, list(STAMPS)],
            )
            found = _STAMPED[key] = cursor.fetchone()[0] == len(STAMPS)
    return found


class NewRows:
    """How new rows of `model` are built for copy_rows from field values, without model instances
    (Model.__init__, then insert_objects' adaptation, cost a 1M-customer import ~10 s of the
    writing process): `template` holds every column at its default as the database takes it, and
    `slots` gives, for a field's name or attname, its column's index and the function adapting a
    value for it (None: taken as it is), as the field's get_db_prep_save would, for COPY on
    PostgreSQL (dates as ISO text, JSON as its text). The primary key is not among the columns.

    A field whose default is a function is left to the caller (None in the template), but for JSON
    fields defaulting to an empty dict or list: `per_row` must name every such field. `stamps` are
    the indexes of created_at and updated_at, for the caller to fill; none when the database fills
    them itself (stamped_by_database), then they are not among the columns."""

    _SPECS: dict[tuple, "NewRows"] = {}

    def __init__(self, model, connection, per_row: set[str]):
        from django.db import models

        pg = connection.vendor == "postgresql"
        omit = set(STAMPS) if stamped_by_database(connection, model) else set()
        fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in omit]
        self.columns = [f.column for f in fields]
        self.stamps = [i for i, f in enumerate(fields) if f.attname in STAMPS]
        self.slots: dict[str, tuple[int, Callable | None]] = {}
        self.template: list = []
        for i, f in enumerate(fields):
            adapt = None
            if isinstance(f, models.JSONField):
                adapt = json.dumps if pg else partial(_prep_save, f, connection)
            elif isinstance(f, models.DateField):
                adapt = partial(adapt_date, connection, f)
            elif isinstance(f, models.UUIDField | models.DecimalField):
                adapt = partial(_prep_save, f, connection)
            self.slots[f.attname] = (i, adapt)
            if not f.is_relation:
                self.slots[f.name] = (i, adapt)
            if f.has_default() and callable(f.default):
                if f.attname in per_row or f.attname in STAMPS:
                    value = None
                elif isinstance(f, models.JSONField) and f.default in (dict, list):
                    value = f.default()
                else:
                    raise ValueError(
                        f"{model.__name__}.{f.attname}'s default is computed per row: name it in per_row"
                    )
            else:
                value = f.get_default()
            self.template.append(adapt(value) if adapt is not None and value is not None else value)

    @classmethod
    def of(cls, model, connection, per_row: set[str]) -> "NewRows":
        """The spec for `model` on `connection`'s database (built once)."""
        key = (
            model,
            connection.alias,
            connection.settings_dict["NAME"],
            connection.timezone_name,
            frozenset(per_row),
            stamped_by_database(connection, model),
        )
        spec = cls._SPECS.get(key)
        if spec is None:
            spec = cls._SPECS[key] = cls(model, connection, per_row)
        return spec


def _prep_save(field, connection, value):
    return field.get_db_prep_save(value, connection)


def uuid4_hexes(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as their 32 hex digits, which PostgreSQL's uuid type reads
    and which is how Django stores a UUID on SQLite: drawn at once, 0.2 µs each against 2.5 µs for
    uuid.uuid4() and its hex."""
    import os

    import numpy as np

    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.tobytes().hex()
    return [text[i : i + 32] for i in range(0, 32 * count, 32)]


def copy_rows(connection, table: str, columns: list[str], rows) -> int | None:
    """Rows of database-ready values into `table`: COPY on PostgreSQL, one executemany elsewhere
    (then the rowid of the last row inserted is returned)."""
    table = connection.ops.quote_name(table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            if connection.vendor == "sqlite":
                cursor.execute("SELECT last_insert_rowid()")
                return cursor.fetchone()[0]
    return None
