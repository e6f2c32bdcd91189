"""Order import: one line per row, grouped into orders by `order_id`; an order is written whole or
rejected whole. Returns are lines with a negative quantity. Upsert by order number."""

from datetime import timedelta
from decimal import Decimal
from operator import itemgetter

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import DateTimeField, Func
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.commerce.models import Order, OrderLine, Product
from tenure.commerce.services import line_amount
from tenure.customers.exporting import FORMULA_START
from tenure.customers.models import Customer
from tenure.imports import bulk
from tenure.imports import fields as F
from tenure.imports.base import (
    Importer,
    Row,
    adapt_date,
    copy_rows,
    ids_in,
    ids_of_inserted,
    reserve_ids,
    stamped_by_database,
    text_in,
)
from tenure.lib.keytable import KeyTable
from tenure.lib.sieve import Sieve

CHANNEL_CHOICES = F.choice_table(
    Order.Channel,
    {
        "store": ["shop", "retail", "门店", "实体店", "店铺"],
        "online": ["web", "ecommerce", "e-commerce", "线上", "网店", "网上", "电商"],
        "phone": ["telephone", "电话", "电话订购"],
        "dealer": ["partner", "经销商", "代理商", "渠道商"],
        "other": ["其他"],
    },
)
# PostgreSQL's statement_timestamp(): what the database stamps new orders with (stamped_by_database).
STATEMENT_TIME = Func(function="STATEMENT_TIMESTAMP", output_field=DateTimeField())
ZERO = Decimal("0")
CENT = Decimal("0.01")
LINE_COLUMNS = ["order_id", "product_id", "quantity", "unit_price", "unit_cost", "amount"]
MEMO_LIMIT = 100_000  # distinct cells remembered per column (see OrderImporter._memo)
# The reading process reads every visible customer's external id once, after this many batches,
# when there are at most DIRECTORY_MAX customers (OrderImporter.customer_directory).
DIRECTORY_AFTER_BATCHES = 100
DIRECTORY_MAX = 2_000_000
# Joins a row's cells into the one str the writing process keeps for its report (_kept_cells).
CELL_SEPARATOR = "\x1f"  # the unit separator


class _Bad:
    """A cell that could not be read, in a column's memo."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


def _read_cell(cell: str, parser, required: bool):
    """A cell's value (None for a blank optional cell) or _Bad with the reason."""
    if cell[:1] == "'" and cell[1:].lstrip(" ").startswith(FORMULA_START):
        cell = cell[1:]  # undo the export's formula neutralisation
    if not cell or cell.isspace():
        return _Bad(_("This field is required.")) if required else None
    try:
        return parser(cell)
    except F.BadValue as exc:
        return _Bad(str(exc))


def _later(value, latest) -> bool:
    return value is not None and type(value) is not _Bad and value > latest


LINE_FIELDS = (
    "line",
    "raw",  # the row's cells (OrderImporter._kept_cells; raw_dict gives the dict back)
    "order_id",
    "customer_ref",
    "ordered_at",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "cost",
    "currency",
    "channel",
    "amount",  # quantity × unit price, to the cent (commerce.services.line_amount)
)


class Line(tuple):
    """A line read and validated: a tuple of LINE_FIELDS, read by name.

    A tuple because a second process prepares the batches and sends them through a pipe: prepare()
    makes plain tuples, which pickle and unpickle in C (a tenth of what an object with a
    __reduce__ cost, 0.8 against 4 µs a line both ways), and handle_batch wraps them (Line(t))."""

    __slots__ = ()


for _index, _name in enumerate(LINE_FIELDS):
    setattr(Line, _name, property(itemgetter(_index)))
del _index, _name
# Positions in a line's tuple, for the path every new order takes (OrderImporter.insert_new_orders):
# wrapping each line in a Line cost 1 µs a line (tuple subclasses copy their items), more than
# everything the path then reads from it.
(
    L_LINE,
    L_RAW,
    L_ORDER,
    L_REF,
    L_AT,
    L_SKU,
    L_NAME,
    L_QTY,
    L_PRICE,
    L_COST,
    L_CURRENCY,
    L_CHANNEL,
    L_AMOUNT,
) = range(len(LINE_FIELDS))
REF = L_REF
# The columns of a new order's row, in the order insert_new_orders builds it (created_at and
# updated_at follow unless the database fills them, then the primary key on PostgreSQL): a field
# added to Order must be added there (a test checks).
ORDER_FIELDS = (
    "number",
    "customer_id",
    "ordered_at",
    "channel",
    "currency",
    "total",
    "total_cost",
    "line_count",
    "is_return",
    "created_at",
    "updated_at",
)


def totals(lines, cost_of: dict) -> tuple[Decimal, Decimal]:
    """(total, total cost to the cent) of an order's lines (LINE_FIELDS tuples): a line without a
    cost of its own is costed at its product's (`cost_of`: {sku: cost or None})."""
    if len(lines) == 1:  # most orders (1.6 lines an order in the bench file): no generators
        first = lines[0]
        unit = first[L_COST] if first[L_COST] is not None else cost_of[first[L_SKU]]
        return first[L_AMOUNT] + ZERO, (unit * first[L_QTY] if unit else ZERO).quantize(CENT)
    total = sum((ln[L_AMOUNT] for ln in lines), ZERO)
    cost = ZERO
    for ln in lines:
        unit = ln[L_COST] if ln[L_COST] is not None else cost_of[ln[L_SKU]]
        if unit:
            cost += unit * ln[L_QTY]
    return total, cost.quantize(CENT)


class OrderImporter(Importer):
    kind = F.ORDERS
    # 1M new order lines with a second process preparing the batches: SQLite 36.4-39.1 s against
    # 39.1-52.9 s in one, PostgreSQL 54.1-59.8 s against 62.8-68.0 s (session 9). It pays only
    # because a Line crosses the pipe as its values (Line.__reduce__).
    prepare_apart = True
    # New orders' rows are written by a thread on a connection of its own (Importer.flusher)
    # while the next batch is prepared, on PostgreSQL from the command line.
    writes_apart = True
    # Rows may come as lists of cells in header order (Table.cells): prepare() takes the columns
    # with one transposition instead of a dict per row and a look-up per cell.
    reads_cells = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.order_field = next((h for h, f in self.mapping.items() if f == "order_id"), None)
        self.header_of = {f: h for h, f in self.mapping.items()}  # the column read for each field
        # Orders written by this run carry an updated_at from now on: a later fragment of one (its
        # lines not next to each other in the file) is appended to it rather than replacing it.
        # A timestamp rather than a set of the numbers written, which would grow with the file
        # (6M orders in a 10M-line file).
        self.started = timezone.now()
        self.tz = timezone.get_current_timezone()  # naive dates are read in it (looked up once)
        self.default_currency = settings.TENURE_CURRENCY

    # The order numbers this run wrote, when there were no orders before it (before_reading): the
    # numbers of a batch that it cannot hold are not looked up.
    written: Sieve | None = None

    def before_reading(self) -> None:
        """A first import (no orders stored yet) looks up only the numbers it may have written
        itself. Probing the orders' unique index for every number of every batch cost the server
        about a tenth of the time it spent on 10M new order lines; the sieve passes ~1% of new
        numbers, for 16 MB. An order stored by someone else while it runs is not seen: should the
        file hold its number, the unique constraint stops the import there (batches before it
        stay), and the run after it, on a table no longer empty, looks every number up."""
        super().before_reading()
        self.written = None if Order.objects.exists() else Sieve()
        self.stamped = stamped_by_database(connection, Order)
        if self.stamped:
            # New orders get the database's statement_timestamp(), and orders changed take it too
            # (write): `started` is then read on the same clock, never the client's (its clock may
            # be ahead of the server's).
            with connection.cursor() as cursor:
                cursor.execute("SELECT statement_timestamp()")
                self.started = cursor.fetchone()[0]

    # Whether the database stamps the orders' created_at and updated_at (stamped_by_database).
    stamped = False

    def parsers(self) -> list[tuple[str, object, bool]]:
        """(field, function reading a cell, required), in the order errors are reported; built once."""
        cache = self.__dict__.get("_parsers")
        if cache is None:
            tz = self.tz
            channel = _("channel")  # translated once, not per row (gettext costs ~10 µs)
            # Each distinct cell of a column is read once: prepare() remembers the results.
            price = lambda v: F.decimal(v, places=4, max_digits=14)  # noqa: E731
            cache = self._parsers = [
                ("order_id", lambda v: F.text(F.clean_id(v), 64), True),
                ("customer_external_id", lambda v: F.text(F.clean_id(v), 100), False),
                ("date", lambda v: F.datetime(v, tz), True),
                ("sku", lambda v: F.text(v, 64), True),
                ("product_name", lambda v: F.text(v, 255), False),
                ("quantity", lambda v: F.decimal(v, places=3, max_digits=12), True),
                ("unit_price", price, True),
                ("cost", price, False),
                ("currency", self.currency, False),
                ("channel", lambda v: F.choice(v, CHANNEL_CHOICES, channel), False),
            ]
        return cache

    def group_key(self, raw):
        if not self.order_field:
            return None
        if type(raw) is list:
            return raw[self._order_index].strip()
        return raw.get(self.order_field, "").strip()

    @property
    def _order_index(self) -> int:
        index = self.__dict__.get("_order_at")
        if index is None:
            index = self._order_at = self.headers.index(self.order_field)
        return index

    @staticmethod
    def currency(value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise F.BadValue(_("“%(value)s” is not a three-letter currency code.") % {"value": value})
        return code

    def prepare(self, rows: list[Row]) -> tuple[dict[str, list], dict[str, list], None]:
        """The batch's lines read, validated and grouped by order number (no database):
        ({order: members}, {order: [lines with errors]}, None), the last replaced by `look_up` when
        a second process prepares the batches. The members of a good order are its lines as
        LINE_FIELDS tuples; those of an order with a bad line are (line, raw, tuple or None,
        errors), for its report. One tuple a good line: what crosses the pipe costs per object.

        Column by column rather than row by row: each distinct cell of a column is read once and
        remembered (a day's dates, "1", "268.00", a shop's SKUs repeat down a file), and the
        column is then looked up cell by cell in C (map over the memo). Only the lines holding a
        bad cell are then gone through one by one, for their errors, in the order of the fields
        (then the checks across a value: zero quantity, negative price or cost, a future date)."""
        latest = timezone.now() + timedelta(days=1)  # a later date is in the future
        raws = [raw for _line, raw in rows]
        headers = self.headers
        if headers is not None:
            # Rows as lists of cells (Table.cells), each odd row (a dict) made one: then every
            # column at once, by one transposition.
            table = list(
                zip(
                    *[raw if type(raw) is list else [raw.get(h, "") for h in headers] for raw in raws],
                    strict=True,
                )
            )
            column_of = dict(zip(headers, table, strict=True))
        columns: list[list] = []
        suspects: set[int] = set()  # indices of the lines with a bad cell
        for field, parser, required in self.parsers():
            memo, bad = self._memo(field)
            header = self.header_of.get(field)
            if header is not None:
                cells = column_of[header] if headers is not None else [raw.get(header, "") for raw in raws]
            else:
                cells = [""] * len(raws)
            distinct = set(cells)
            for cell in distinct.difference(memo):
                value = memo[cell] = _read_cell(cell, parser, required)
                if type(value) is _Bad or (value is not None and self._value_error(field, value)):
                    bad.add(cell)
            columns.append(list(map(memo.__getitem__, cells)))
            if field == "date":
                bad_here = distinct & bad
                # A date found not in the future stays so (`latest` only moves on): each distinct
                # date is compared until it has passed once.
                past = self._past_dates()
                for cell in distinct.difference(past):
                    if _later(memo[cell], latest):
                        bad_here.add(cell)
                    else:
                        past.add(cell)
            else:
                bad_here = distinct & bad if bad else ()
            if bad_here:
                suspects.update(i for i, cell in enumerate(cells) if cell in bad_here)
        kept = self._kept_cells(raws) if headers is not None else raws
        groups: dict[str, list] = {}
        bad_orders: dict[str, list] = {}
        default_currency, other = self.default_currency, Order.Channel.OTHER
        amounts = self.__dict__.setdefault("_amounts", {})
        if len(amounts) > MEMO_LIMIT:
            amounts.clear()
        for i, (
            (line, raw),
            cells,
            order_id,
            ref,
            at,
            sku,
            name,
            qty,
            price,
            cost,
            currency,
            channel,
        ) in enumerate(zip(rows, kept, *columns, strict=True)):
            if i in suspects:
                errors = self._errors(columns, i, latest)
                if errors:
                    # The order it belongs to, read as a good line's would be ("17850.0" is 17850).
                    key = order_id if isinstance(order_id, str) else self.group_key(raw) or f"\0line{line}"
                    groups.setdefault(key, []).append((line, cells, None, errors))
                    bad_orders.setdefault(key, []).append(line)
                    continue
            amount = amounts.get((qty, price))
            if amount is None:
                amount = amounts[qty, price] = line_amount(qty, price)
            # A plain tuple of LINE_FIELDS (see Line), itself the member of its order's group.
            groups.setdefault(order_id, []).append(
                (
                    line,
                    cells,
                    order_id,
                    ref or "",
                    at,
                    sku,
                    name or "",
                    qty,
                    price,
                    cost,
                    currency or default_currency,
                    channel or other,
                    amount,
                )
            )
        for key in bad_orders:
            # An order with a bad line: every member as (line, cells, LINE_FIELDS tuple or None,
            # errors), for its report.
            groups[key] = [m if len(m) == 4 else (m[L_LINE], m[L_RAW], m, ()) for m in groups[key]]
        return groups, bad_orders, None

    def look_up(self, prepared):
        """The batch's customer references resolved by the second process ({external id: pk} of
        the visible customers found): their look-up is the writer's largest wait on the database
        (8 ms per batch of 2,000 lines on PostgreSQL at 1M customers). A reference it does not find
        is unknown, unless the run creates customers (--create-customers): resolve_customers looks
        those up again."""
        groups, bad, _known = prepared
        refs = {ln[REF] for key, members in groups.items() if key not in bad for ln in members if ln[REF]}
        if not refs:
            return groups, bad, {}
        directory = self.customer_directory()
        if directory is not None:
            return groups, bad, directory.find(refs)
        return groups, bad, self.visible_customer_ids(refs)

    def customer_directory(self) -> KeyTable | None:
        """External id -> pk of every visible customer (a KeyTable: ~20 MB a million, a batch's
        references found in one binary search), read once by the reading process after
        DIRECTORY_AFTER_BATCHES batches (a big file), when there are at most DIRECTORY_MAX of them;
        None before, or with more. At 1M customers it is read in 0.8 s, what 190 batches' look-ups
        cost the server; 10M order lines make 5,000 batches.

        The customers are then those visible when it was read: one created by someone else later
        in the run is an unknown reference (as it would be a moment earlier), except to
        --create-customers, whose writer looks again for what this misses."""
        if self._directory is not None or self._directory_checked:
            return self._directory
        self._batches_looked_up += 1
        if self._batches_looked_up < DIRECTORY_AFTER_BATCHES:
            return None
        self._directory_checked = True
        visible = self.customers().filter(external_id__gt="").order_by()
        if visible.count() <= DIRECTORY_MAX:
            self._directory = KeyTable(visible.values_list("external_id", "pk").iterator(chunk_size=20_000))
        return self._directory

    _directory: KeyTable | None = None
    _directory_checked = False
    _batches_looked_up = 0

    def visible_customer_ids(self, refs) -> dict[str, int]:
        """{external id: pk} of the visible customers among `refs`."""
        return dict(
            self.customers().filter(text_in("external_id", refs)).order_by().values_list("external_id", "pk")
        )

    def _kept_cells(self, raws: list) -> list:
        """The rows' cells as the writing process keeps them for its report (raw_dict gives the
        dict back): one str a row, its cells joined by CELL_SEPARATOR in header order, what crosses
        a pipe cheapest (one object, not one per cell); a tuple of its cells if one of them holds
        the separator; a row with cells beyond the header row keeps its dict."""
        headers = self.headers
        width = len(headers)
        if set(map(type, raws)) == {list}:  # Table.cells: every list holds one cell per header
            kept = list(map(CELL_SEPARATOR.join, raws))
            if "".join(kept).count(CELL_SEPARATOR) == (width - 1) * len(kept):
                return kept
            return [
                k if k.count(CELL_SEPARATOR) == width - 1 else tuple(raw)
                for k, raw in zip(kept, raws, strict=True)
            ]
        kept = []
        for raw in raws:
            if type(raw) is not list:
                if len(raw) != width:
                    kept.append(raw)
                    continue
                raw = [raw.get(h, "") for h in headers]
            joined = CELL_SEPARATOR.join(raw)
            kept.append(joined if joined.count(CELL_SEPARATOR) == width - 1 else tuple(raw))
        return kept

    def raw_dict(self, raw) -> dict[str, str]:
        if type(raw) is str:
            return dict(zip(self.headers, raw.split(CELL_SEPARATOR), strict=True))
        return super().raw_dict(raw)

    def _past_dates(self) -> set[str]:
        """The date cells whose dates were found not in the future; emptied at MEMO_LIMIT."""
        past = self.__dict__.setdefault("_past", set())
        if len(past) > MEMO_LIMIT:
            past.clear()
        return past

    def _memo(self, field: str) -> tuple[dict, set]:
        """The cells of `field` read so far ({cell: value or _Bad}) and the ones that are bad;
        emptied at MEMO_LIMIT cells so memory stays flat (order numbers never repeat)."""
        memos = self.__dict__.setdefault("_memos", {})
        memo = memos.get(field)
        if memo is None or len(memo[0]) > MEMO_LIMIT:
            memo = memos[field] = ({}, set())
        return memo

    @staticmethod
    def _value_error(field: str, value) -> str | None:
        """The check on a read value that does not depend on the batch (None when it passes)."""
        if field == "quantity" and value == 0:
            return _("Quantity cannot be zero.")
        if field == "unit_price" and value < 0:
            return _("Unit price cannot be negative.")
        if field == "cost" and value < 0:
            return _("Cost cannot be negative.")
        return None

    def _errors(self, columns: list[list], i: int, latest) -> list[tuple[str, str]]:
        """The errors of line `i` of the batch: unreadable cells in field order, then the checks
        on the values read."""
        fields = [field for field, _parser, _required in self.parsers()]
        values = [column[i] for column in columns]
        errors = [(f, v.reason) for f, v in zip(fields, values, strict=True) if type(v) is _Bad]
        for field, value in zip(fields, values, strict=True):
            if value is not None and type(value) is not _Bad:
                reason = self._value_error(field, value)
                if reason:
                    errors.append((field, reason))
        if _later(values[fields.index("date")], latest):
            errors.append(("date", _("The date is in the future.")))
        return errors

    def handle_batch(self, prepared: tuple[dict[str, list], dict[str, list], dict[str, int] | None]) -> None:
        groups, bad, known = prepared
        orders: dict[str, list[Line]] = {}
        for key, members in groups.items():
            if key in bad:
                self.reject_order(key, members, bad[key][0])
                continue
            lines = members  # LINE_FIELDS tuples (L_*), wrapped in Line where read by name
            ref = lines[0][REF]
            if len(lines) > 1 and any(ln[REF] != ref for ln in lines):
                self.reject_lines(
                    lines,
                    "customer_external_id",
                    _("The lines of order %(order)s name different customers.") % {"order": key},
                )
                continue
            if not ref:
                self.reject_lines(
                    lines, "customer_external_id", _("No customer: the order has no customer reference.")
                )
                continue
            orders[key] = lines
        if not orders:
            return
        customer_ids = self.resolve_customers(orders, known)
        numbers = list(orders)
        if self.written is not None:
            numbers = self.written.maybe(numbers)  # the rest cannot be stored yet
        self.wait_for_keys(numbers)
        existing = {o.number: o for o in Order.objects.filter(text_in("number", numbers))} if numbers else {}
        visible_ids = (
            set(
                self.customers()
                .filter(ids_in("pk", {o.customer_id for o in existing.values()}))
                .values_list("pk", flat=True)
            )
            if existing
            else set()
        )
        old_lines: dict[int, list[tuple]] = {}
        if existing:
            self.lines_by_order()
            for order_id, sku, qty, price, cost in OrderLine.objects.filter(
                ids_in("order_id", [o.pk for o in existing.values()])
            ).values_list("order_id", "product__sku", "quantity", "unit_price", "unit_cost"):
                old_lines.setdefault(order_id, []).append((sku, qty, price, cost))
        products = self.products({ln[L_SKU]: ln for lines in orders.values() for ln in lines})

        new_orders: list[tuple[str, int, list[tuple]]] = []  # (number, customer id, lines)
        replace: list[tuple[Order, list[Line]]] = []
        append: list[tuple[Order, list[Line]]] = []
        for number, lines in orders.items():
            customer_id = customer_ids.get(lines[0][REF])
            if customer_id is None:
                continue  # rejected in resolve_customers
            order = existing.get(number)
            if order is None:
                new_orders.append((number, customer_id, lines))
                self.result.created += len(lines)
                continue
            lines = [Line(t) for t in lines]
            if order.customer_id not in visible_ids:
                self.reject_lines(lines, "order_id", _("This order number is already in use."))
                continue
            if order.updated_at >= self.started:
                append.append((order, lines))
                self.result.updated += len(lines)
                continue
            wanted = sorted(self.signature(ln, products) for ln in lines)
            same = (
                order.customer_id == customer_id
                and order.ordered_at == lines[0].ordered_at
                and order.channel == lines[0].channel
                and order.currency == lines[0].currency
                and sorted(old_lines.get(order.pk, [])) == wanted
            )
            if same:
                self.result.unchanged += len(lines)
                continue
            order.customer_id = customer_id
            self.fill(order, lines, products)
            replace.append((order, lines))
            self.result.updated += len(lines)
        if self.dry_run:
            return
        self.write(new_orders, replace, append, products)

    # --- helpers ---
    def lines_by_order(self) -> None:
        """Before reading stored lines by their order: a first import sets the lines' index on
        their order aside (tenure.imports.bulk) until it meets an order it stored already (a later
        fragment of one); it is built then, once, after the batch in flight is written (whose
        COPY would otherwise wait on the build's lock, and the build on it)."""
        if self._lines_by_order_ready or self.dry_run:
            return
        if self.flusher is not None:
            self.flusher.wait()
        bulk.build_now(OrderLine._meta.db_table, "order_id")
        self._lines_by_order_ready = True

    _lines_by_order_ready = False

    def reject_lines(self, lines: list[Line], field: str, reason: str) -> None:
        for ln in lines:
            self.reject(ln[L_LINE], field, reason, self.raw_dict(ln[L_RAW]))

    def reject_order(self, key: str, members: list, first_bad: int) -> None:
        for line, cells, _parsed, errors in members:
            raw = self.raw_dict(cells)
            if errors:
                for field, reason in errors:
                    self.reject(line, field, reason, raw)
            else:
                self.reject(
                    line,
                    "order_id",
                    _("Order %(order)s is rejected as a whole: line %(line)d has an error.")
                    % {"order": key, "line": first_bad},
                    raw,
                )

    def resolve_customers(
        self, orders: dict[str, list[Line]], known: dict[str, int] | None
    ) -> dict[str, int]:
        """{reference: customer pk} for the orders' customers. `known`: what `look_up` found
        beside the writing, None when it did not look (then everything is looked up here). What it
        did not find is unknown, but with --create-customers, which may have created it since."""
        refs = {lines[0][REF] for lines in orders.values()}
        if known is None:
            found = self.visible_customer_ids(refs)
        else:
            found = {ref: known[ref] for ref in refs if ref in known}
            rest = refs - found.keys()
            if rest and self.create_customers:
                found.update(self.visible_customer_ids(rest))
        unknown = refs - found.keys()
        if unknown and self.create_customers:
            taken = set(
                Customer.objects.filter(text_in("external_id", unknown)).values_list("external_id", flat=True)
            )
            creatable = sorted(unknown - taken)
            found.update(self.create_bare_customers(creatable))
            unknown = taken
        if unknown:
            for lines in orders.values():
                ref = lines[0][REF]
                if ref in unknown:
                    self.reject_lines(
                        lines,
                        "customer_external_id",
                        _("Unknown customer reference “%(ref)s”.") % {"ref": ref},
                    )
        return found

    def products(self, by_sku: dict[str, tuple]) -> dict[str, Product]:
        """{sku: Product} for the batch's lines, each created when missing (named and costed after
        its first line). Products read or created are remembered for the run (MEMO_LIMIT at most):
        a catalogue's SKUs repeat down a file, and looking them up again was a query a batch. A
        product changed by someone else while the import runs keeps, for the lines without a cost
        of their own, the cost it had when first read."""
        cache = self.__dict__.setdefault("_products", {})
        if len(cache) > MEMO_LIMIT:
            cache.clear()
        found = {sku: cache[sku] for sku in by_sku if sku in cache}
        rest = [sku for sku in by_sku if sku not in found] if found else list(by_sku)
        if not rest:
            return found
        looked = {p.sku: p for p in Product.objects.filter(text_in("sku", rest))}
        missing = [sku for sku in rest if sku not in looked]
        if missing:
            new = [
                Product(sku=sku, name=by_sku[sku][L_NAME] or sku, cost=by_sku[sku][L_COST]) for sku in missing
            ]
            if self.dry_run:
                found.update({p.sku: p for p in new})  # not remembered: nothing was stored
            else:
                self.wrote_in_batch = True
                Product.objects.bulk_create(new, ignore_conflicts=True)
                looked.update({p.sku: p for p in Product.objects.filter(text_in("sku", missing))})
        cache.update(looked)
        found.update(looked)
        return found

    @staticmethod
    def unit_cost(ln: Line, products: dict[str, Product]) -> Decimal | None:
        return ln.cost if ln.cost is not None else products[ln.sku].cost

    def signature(self, ln: Line, products) -> tuple:
        cost = self.unit_cost(ln, products)
        return (ln.sku, ln.quantity, ln.unit_price, cost)

    def fill(self, order: Order, lines: list[Line], products, base: list | None = None) -> None:
        first = lines[0]
        order.ordered_at = first.ordered_at
        order.channel = first.channel
        order.currency = first.currency
        total, order.total_cost = totals(lines, {ln.sku: products[ln.sku].cost for ln in lines})
        order.total = total
        order.line_count = len(lines)
        order.is_return = total < 0

    def line_rows(self, order: Order, lines: list[Line], products) -> list[tuple]:
        """The OrderLine rows of `order` as LINE_COLUMNS tuples for copy_rows: every value is
        already what the database takes (ids, Decimals, None), so nothing is adapted per line."""
        return [
            (
                order.pk,
                products[ln.sku].pk,
                ln.quantity,
                ln.unit_price,
                self.unit_cost(ln, products),
                ln.amount,
            )
            for ln in lines
        ]

    def insert_new_orders(
        self, new_orders: list[tuple[str, int, list[tuple]]], products, copies
    ) -> list[tuple]:
        """Insert the new orders ((number, customer id, lines)) with their totals, and return their
        lines' rows (LINE_COLUMNS) for copy_rows. With `copies` (Importer.writing_apart) the
        orders' rows are appended to it instead of written (the primary keys come first from the
        sequence, on PostgreSQL).

        Nearly every order of a first import comes this way, so the rows are built as the table
        takes them (ORDER_FIELDS) without an Order instance: building one, fill and
        insert_objects' adaptation cost ~5 µs an order, more than the rest of its writing."""
        connection = connections[DEFAULT_DB_ALIAS]
        meta = Order._meta
        ids = reserve_ids(connection, Order, len(new_orders)) if connection.vendor == "postgresql" else None
        fields = ORDER_FIELDS
        if stamped_by_database(connection, Order):
            fields, stamps = ORDER_FIELDS[:-2], ()
        else:
            stamp = self.db_date("created_at", timezone.now())
            stamps = (stamp, stamp)
        at_db = self.__dict__.setdefault("_at_db", {})  # {ordered_at: its database value}
        if len(at_db) > MEMO_LIMIT:
            at_db.clear()
        cost_of = {sku: p.cost for sku, p in products.items()}
        rows = []
        for i, (number, customer_id, lines) in enumerate(new_orders):
            first = lines[0]
            at = at_db.get(first[L_AT])
            if at is None:
                at = at_db[first[L_AT]] = self.db_date("ordered_at", first[L_AT])
            total, cost = totals(lines, cost_of)
            row = (
                number,
                customer_id,
                at,
                first[L_CHANNEL],
                first[L_CURRENCY],
                total,
                cost,
                len(lines),
                total < 0,
                *stamps,
            )
            rows.append(row if ids is None else (*row, ids[i]))
        columns = [meta.get_field(name).column for name in fields]
        if ids is not None:
            columns.append(meta.pk.column)
            if copies is not None:
                copies.append((meta.db_table, columns, rows))
            else:
                copy_rows(connection, meta.db_table, columns, rows)
        else:
            last_id = copy_rows(connection, meta.db_table, columns, rows)
            ids = ids_of_inserted(Order, "number", [number for number, _c, _l in new_orders], last_id)
        product_ids = {sku: p.pk for sku, p in products.items()}
        return [
            (
                pk,
                product_ids[ln[L_SKU]],
                ln[L_QTY],
                ln[L_PRICE],
                ln[L_COST] if ln[L_COST] is not None else cost_of[ln[L_SKU]],
                ln[L_AMOUNT],
            )
            for (_number, _customer_id, lines), pk in zip(new_orders, ids, strict=True)
            for ln in lines
        ]

    def db_date(self, field: str, value):
        """An Order date field's value as copy_rows takes it (base.adapt_date)."""
        return adapt_date(connections[DEFAULT_DB_ALIAS], Order._meta.get_field(field), value)

    def write(self, new_orders, replace, append, products) -> None:
        # A batch of new orders only, with its products and customers already there: its rows go
        # to the flusher, if any (Importer.writing_apart).
        copies = [] if self.writing_apart(in_place=bool(replace or append)) else None
        rows: list[tuple] = []
        if new_orders:
            if self.written is not None:
                self.written.add(number for number, _c, _l in new_orders)
            rows = self.insert_new_orders(new_orders, products, copies)
        if replace:
            OrderLine.objects.filter(order_id__in=[o.pk for o, _l in replace]).delete()
        rows += [row for o, lines in [*replace, *append] for row in self.line_rows(o, lines, products)]
        if copies is not None:
            if rows:
                copies.append((OrderLine._meta.db_table, LINE_COLUMNS, rows))
            self.defer(copies, frozenset(number for number, _c, _l in new_orders))
            return
        if rows:
            copy_rows(connection, OrderLine._meta.db_table, LINE_COLUMNS, rows)
        if append:
            # A later fragment of an order written earlier in this run: recompute from all its lines.
            for order, _lines in append:
                all_lines = list(OrderLine.objects.filter(order_id=order.pk))
                order.total = sum((ln.amount for ln in all_lines), ZERO)
                order.total_cost = sum(
                    ((ln.unit_cost or ZERO) * ln.quantity for ln in all_lines), ZERO
                ).quantize(CENT)
                order.line_count = len(all_lines)
                order.is_return = order.total < 0
        changed = [o for o, _l in [*replace, *append]]
        if changed:
            # The clock `started` was read on.
            now = STATEMENT_TIME if self.stamped else timezone.now()
            for order in changed:
                order.updated_at = now
            # Every field a row of the file sets (the number stays, and when it was created).
            Order.objects.bulk_update(
                changed, [f for f in ORDER_FIELDS if f not in ("number", "created_at")], batch_size=500
            )
