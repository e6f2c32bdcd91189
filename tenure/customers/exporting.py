"""CSV export of customer lists, streamed, opened correctly by Excel and safe to open there.

The caller passes a queryset it already restricted with `Customer.objects.visible_to(user)`. The
columns are the customer importer's field names, so an export can be edited and imported again.
"""

import codecs
import csv
import json
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

from tenure.customers.models import Customer

COLUMNS = [
    "external_id",
    "name",
    "alt_name",
    "kind",
    "mobile",
    "phone",
    "email",
    "company",
    "gender",
    "birthday",
    "language",
    "industry",
    "source",
    "lifecycle_stage",
    "owner",
    "representative",
    "tags",
    "do_not_contact",
    "notes",
    "attributes",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def neutralise(value) -> str:
    """A cell a spreadsheet will show as text: one starting with = + - @ TAB or CR (also after
    leading spaces) gets a leading apostrophe, so it is never run as a formula."""
    text = "" if value is None else str(value)
    if text.lstrip(" ").startswith(FORMULA_START):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one CSV line, every cell neutralised."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


def customer_rows(queryset) -> Iterator[list]:
    """The header row, then one row per customer, read in keyset-paginated chunks (flat memory)."""
    yield COLUMNS
    through = Customer.tags.through
    base = queryset.select_related("owner", "representative").order_by("pk")
    last = 0
    while True:
        chunk = list(base.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        tags: dict[int, list[str]] = {}
        for cid, name in through.objects.filter(customer_id__in=[c.pk for c in chunk]).values_list(
            "customer_id", "tag__name"
        ):
            tags.setdefault(cid, []).append(name)
        for c in chunk:
            attributes = dict(c.attributes or {})
            company = attributes.pop("company", "")
            yield [
                c.external_id or "",
                c.name,
                c.alt_name,
                c.kind,
                c.mobile,
                c.phone,
                c.email,
                company,
                c.gender,
                c.birthday.isoformat() if c.birthday else "",
                c.language,
                c.industry,
                c.source,
                c.lifecycle_stage,
                c.owner.username if c.owner else "",
                c.representative.username if c.representative else "",
                ", ".join(sorted(tags.get(c.pk, []))),
                "yes" if c.do_not_contact else "",
                c.notes,
                json.dumps(attributes, ensure_ascii=False, sort_keys=True) if attributes else "",
            ]
        last = chunk[-1].pk


def export_customers_csv(queryset) -> Iterator[str]:
    """UTF-8 with a BOM (so Excel reads Chinese), then the CSV lines."""
    yield codecs.BOM_UTF8.decode("utf-8")
    yield from csv_lines(customer_rows(queryset))


def export_customers_response(queryset, filename: str = "customers.csv") -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in export_customers_csv(queryset)),
        content_type="text/csv; charset=utf-8",
    )
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "._-") or "customers.csv"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
