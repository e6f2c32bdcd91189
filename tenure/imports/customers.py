"""Customer import: upsert by external id (else by normalised mobile, else email)."""

from collections import defaultdict

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.customers import search
from tenure.customers.models import Customer, Tag
from tenure.imports import fields as F
from tenure.imports.base import (
    Importer,
    NewRows,
    adapt_date,
    copy_rows,
    copy_search_doc_texts,
    ids_in,
    ids_of_inserted,
    load_instances,
    reserve_ids,
    search_doc_writer,
    text_in,
    uuid4_hexes,
)

KIND_CHOICES = F.choice_table(
    Customer.Kind,
    {
        "person": ["individual", "personal", "个人", "自然人", "p"],
        "company": ["organisation", "organization", "business", "公司", "企业", "单位", "机构", "c"],
    },
)
STAGE_CHOICES = F.choice_table(
    Customer.Stage,
    {
        "lead": ["prospect", "潜在", "潜在客户", "线索"],
        "new": ["新", "新客户", "新客"],
        "active": ["活跃", "活跃客户"],
        "at_risk": ["at risk", "风险", "流失风险", "有流失风险"],
        "dormant": ["沉睡", "休眠", "沉睡客户"],
        "churned": ["lost", "流失", "已流失"],
        "won_back": ["won back", "挽回", "赢回"],
    },
)
GENDER_CHOICES = {
    **{F.fold_header(w): "f" for w in ["f", "female", "woman", "女", "女性", "女士"]},
    **{F.fold_header(w): "m" for w in ["m", "male", "man", "男", "男性", "先生"]},
    **{F.fold_header(w): "x" for w in ["x", "other", "其他"]},
}
LANGUAGE_CHOICES = {
    **{
        F.fold_header(w): "zh-hans" for w in ["zh", "zh-hans", "zh-cn", "chinese", "中文", "汉语", "简体中文"]
    },
    **{F.fold_header(w): "en" for w in ["en", "english", "英文", "英语"]},
}
SPECIAL = {"tags", "company", "attributes", "owner", "representative"}
# A parsed row's search entry, computed by `prepare` when a second process prepares the batches.
SEARCH_DOC = "\0search_doc"
TOKEN_FIELDS = ("name", "alt_name", "mobile", "phone", "email", "external_id")


class _NewCustomer:
    """The fields search.customer_tokens reads (TOKEN_FIELDS), as a new customer made from `data`
    has them."""

    __slots__ = TOKEN_FIELDS

    def __init__(self, data: dict):
        get = data.get
        self.name = get("name") or ""
        self.alt_name = get("alt_name") or ""
        self.mobile = get("mobile") or ""
        self.phone = get("phone") or ""
        self.email = get("email") or ""
        self.external_id = get("external_id") or ""


class CustomerImporter(Importer):
    kind = F.CUSTOMERS
    # Parsing and the search tokens are ~60% of a new customer's cost: 100k new customers took
    # 9.3-9.7 s with a second process preparing the batches against 11.1-12.2 s in one (session 9).
    prepare_apart = True

    def parsers(self) -> dict:
        """field -> function reading a cell (raising BadValue); built once per import."""
        cache = self.__dict__.get("_parsers")
        if cache is not None:
            return cache
        region = self.region

        def text(limit):
            return lambda value: F.text(value, limit)

        def choice(table, label):
            return lambda value: F.choice(value, table, label)

        cache = self._parsers = {
            "external_id": lambda value: F.text(F.clean_id(value), 100),
            "name": text(200),
            "alt_name": text(200),
            "company": text(200),
            "mobile": lambda value: F.phone(value, region),
            "phone": lambda value: F.phone(value, region),
            "email": lambda value: F.text(F.email(value), 254),
            "kind": choice(KIND_CHOICES, _("kind")),
            "gender": choice(GENDER_CHOICES, _("gender")),
            "language": choice(LANGUAGE_CHOICES, _("language")),
            "lifecycle_stage": choice(STAGE_CHOICES, _("lifecycle stage")),
            "birthday": F.date,
            "industry": text(100),
            "source": text(100),
            "owner": lambda value: self.user(value, assigning=True),
            "representative": lambda value: self.user(value, assigning=True),
            "tags": F.tag_list,
            "do_not_contact": F.boolean,
            "attributes": F.json_object,
        }
        return cache

    def prepare(self, rows):
        """Rows parsed (Importer.prepare). With a second process preparing the batches, each good
        row also carries the search entry it would have as a new customer (SEARCH_DOC): computing
        the tokens is a third of a new customer's cost, and it is then done beside the writing. In
        one process it is left to the write, which needs it only for the rows that are new."""
        prepared = super().prepare(rows)
        if self.processes > 1 and not self.dry_run:
            doc_text, tokens = search_doc_writer(connection.vendor), search.customer_tokens
            for _line, _raw, data in prepared:
                if type(data) is dict:
                    data[SEARCH_DOC] = doc_text(tokens(_NewCustomer(data)))
        return prepared

    def parse_value(self, field: str, value: str):
        parser = self.parsers().get(field)
        return parser(value) if parser is not None else value.strip()  # notes

    def parse(self, line: int, raw: dict[str, str]) -> dict | list[tuple[str, str]]:
        """The row's values by field, or its errors as a list of (field, reason)."""
        mapped, extra = self.values(raw)
        data: dict = {}
        errors: list[tuple[str, str]] = []
        parsers = self.parsers()
        for field, value in mapped.items():
            if not value or value.isspace():
                continue  # an empty cell never erases what is stored
            try:
                parser = parsers.get(field)
                data[field] = parser(value) if parser is not None else value.strip()
            except F.BadValue as exc:
                errors.append((field, str(exc)))
        if not data.get("name") and not any(f == "name" for f, _r in errors):
            errors.append(("name", _("A name is required.")))
        if errors:
            return errors
        attributes = dict(data.pop("attributes", {}))
        attributes.update({k: v.strip() for k, v in extra.items() if v.strip()})
        if "company" in data:
            attributes["company"] = data.pop("company")
        if attributes:
            data["attributes"] = attributes
        return data

    def assign(self, obj: Customer, data: dict, tags_now: set[str]) -> tuple[set[str], list[str]]:
        """Apply `data` to `obj`; return (changed fields, tags to add)."""
        changed: set[str] = set()
        for field, value in data.items():
            if field in SPECIAL:
                continue
            if getattr(obj, field) != value:
                setattr(obj, field, value)
                changed.add(field)
        if "attributes" in data:
            merged = {**(obj.attributes or {}), **data["attributes"]}
            if merged != obj.attributes:
                obj.attributes = merged
                changed.add("attributes")
        owner = data.get("owner")
        if owner is None and obj.pk is None:
            owner = self.default_owner()
        if owner is not None and obj.owner_id != owner.pk:
            obj.owner_id = owner.pk
            changed.add("owner")
            team = self.team_of(owner)
            if team is not None and obj.team_id != team:
                obj.team_id = team
                changed.add("team")
        rep = data.get("representative")
        if rep is not None and obj.representative_id != rep.pk:
            obj.representative_id = rep.pk
            changed.add("representative")
        new_tags = [t for t in data.get("tags", ()) if t not in tags_now]
        return changed, new_tags

    def loaded_fields(self) -> list[str]:
        fields = {"id", "external_id", "mobile", "email", "attributes", "owner", "team", "representative"}
        fields |= {f for f in self.mapping.values() if f not in SPECIAL}
        return sorted(fields)

    def handle_batch(self, prepared: list[tuple[int, dict, object]]) -> None:
        parsed = self.accepted(prepared)
        if not parsed:
            return
        # Matched customers are compared and written field by field: load only the fields this
        # file can change and the ones rows are matched by, not the whole row with its converters.
        visible = self.customers()
        fields = self.loaded_fields()
        ext_ids = [d["external_id"] for _l, _r, d in parsed if "external_id" in d]
        by_ext = (
            {
                c.external_id: c
                for c in load_instances(visible.filter(text_in("external_id", ext_ids)), fields)
            }
            if ext_ids
            else {}
        )
        taken: set[str] = set()
        if ext_ids and self.actor is not None:
            taken = set(
                Customer.objects.filter(text_in("external_id", ext_ids))
                .exclude(pk__in=[c.pk for c in by_ext.values()])
                .values_list("external_id", flat=True)
            )
        mobiles = [d["mobile"] for _l, _r, d in parsed if "external_id" not in d and "mobile" in d]
        emails = [
            d["email"]
            for _l, _r, d in parsed
            if "external_id" not in d and "mobile" not in d and "email" in d
        ]
        by_mobile: dict[str, list[Customer]] = defaultdict(list)
        by_email: dict[str, list[Customer]] = defaultdict(list)
        if mobiles:
            for c in load_instances(visible.filter(text_in("mobile", mobiles)), fields):
                by_mobile[c.mobile].append(c)
        if emails:
            for c in load_instances(visible.filter(text_in("email", emails)), fields):
                by_email[c.email].append(c)
        matched_ids = {c.pk for c in by_ext.values()} | {
            c.pk for group in (*by_mobile.values(), *by_email.values()) for c in group
        }
        tags_of: dict[int, set[str]] = defaultdict(set)
        if matched_ids:
            for cid, name in Customer.tags.through.objects.filter(
                ids_in("customer_id", matched_ids)
            ).values_list("customer_id", "tag__name"):
                tags_of[cid].add(name)

        seen: dict[object, int] = {}
        new: list[tuple[dict, str | None | bool]] = []  # (values, search entry; False: not made yet)
        updated: list[Customer] = []
        update_fields: set[str] = set()
        reindex_ids: list[int] = []
        tag_links: list[tuple[Customer, list[str]]] = []  # of customers already stored
        for line, raw, data in parsed:
            doc = data.pop(SEARCH_DOC, False)
            ext = data.get("external_id")
            obj = None
            if ext:
                key: object = ("ext", ext)
                if ext in taken:
                    self.reject(line, "external_id", _("This external id is already in use."), raw)
                    continue
                obj = by_ext.get(ext)
            else:
                field = "mobile" if "mobile" in data else "email" if "email" in data else None
                key = (field, data[field]) if field else ("line", line)
                candidates = (by_mobile if field == "mobile" else by_email).get(data.get(field), [])
                if len(candidates) > 1:
                    self.reject(
                        line,
                        field,
                        _(
                            "%(count)d existing customers have this %(field)s: add an external id "
                            "column to say which one this row is."
                        )
                        % {"count": len(candidates), "field": field},
                        raw,
                    )
                    continue
                obj = candidates[0] if candidates else None
            if obj is not None:
                key = ("pk", obj.pk)
            if key in seen:
                self.reject(
                    line,
                    "external_id" if ext else "mobile",
                    _("Duplicate of line %(line)d in this file.") % {"line": seen[key]},
                    raw,
                )
                continue
            seen[key] = line
            if obj is None:
                new.append((data, doc))
                self.result.created += 1
                continue
            changed, add_tags = self.assign(obj, data, tags_of[obj.pk])
            if not changed and not add_tags:
                self.result.unchanged += 1
                continue
            self.result.updated += 1
            if changed:
                updated.append(obj)
                update_fields |= changed
                if changed & {"name", "alt_name", "mobile", "phone", "email", "external_id"}:
                    reindex_ids.append(obj.pk)
            if add_tags:
                tag_links.append((obj, add_tags))
        if self.dry_run:
            return
        self.write(new, updated, update_fields, reindex_ids, tag_links)

    def write(self, new, updated, update_fields, reindex_ids, tag_links) -> None:
        new_tags: list[tuple[int, list[str]]] = []
        if new:
            ids = self.insert_new_customers([data for data, _doc in new])
            # Search entries computed by `prepare` (a second process); a row without one here.
            doc_text, tokens = search_doc_writer(connection.vendor), search.customer_tokens
            copy_search_doc_texts(
                (pk, doc if doc is not False else doc_text(tokens(_NewCustomer(data))))
                for pk, (data, doc) in zip(ids, new, strict=True)
            )
            new_tags = [
                (pk, data["tags"]) for pk, (data, _doc) in zip(ids, new, strict=True) if data.get("tags")
            ]
        if updated:
            now = timezone.now()
            for obj in updated:
                obj.updated_at = now
            fields = sorted({Customer._meta.get_field(f).name for f in update_fields} | {"updated_at"})
            Customer.objects.bulk_update(updated, fields, batch_size=500)
        if reindex_ids:
            search.reindex(reindex_ids)
        if tag_links or new_tags:
            names = {t for _c, tags in tag_links for t in tags} | {t for _pk, tags in new_tags for t in tags}
            tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
            missing = names - set(tag_ids)
            if missing:
                Tag.objects.bulk_create([Tag(name=n) for n in missing], ignore_conflicts=True)
                tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
            for new_only, pairs in (
                (True, [(pk, tag_ids[t]) for pk, tags in new_tags for t in tags]),
                (False, [(c.pk, tag_ids[t]) for c, tags in tag_links for t in tags]),
            ):
                if pairs:
                    self.link_tags(pairs, new_only=new_only)

    def insert_new_customers(self, new: list[dict]) -> list[int]:
        """Insert customers made from rows' values (as `assign` gives them to a new Customer, the
        rest at their defaults) and return their primary keys, in order. Built as the table takes
        them (base.NewRows) rather than as Customer instances: a new customer cost the writing
        process ~25 µs that way, most of a first import's writing."""
        connection = connections[DEFAULT_DB_ALIAS]
        spec = NewRows.of(Customer, connection, per_row={"uid"})
        slots, template, stamps = spec.slots, spec.template, spec.stamps
        uid = slots["uid"][0]
        owner_at, team_at, rep_at = slots["owner_id"][0], slots["team_id"][0], slots["representative_id"][0]
        stamp = adapt_date(connection, Customer._meta.get_field("created_at"), timezone.now())
        uids = uuid4_hexes(len(new))
        pg = connection.vendor == "postgresql"
        ids = reserve_ids(connection, Customer, len(new)) if pg else None
        default_owner = self.default_owner()
        teams: dict[int, int | None] = {}
        rows = []
        for n, data in enumerate(new):
            row = template.copy()
            row[uid] = uids[n]
            for i in stamps:  # unless the database stamps new rows itself
                row[i] = stamp
            for field, value in data.items():
                slot = slots.get(field)  # not the special ones: tags, company, owner, representative
                if slot is not None:
                    row[slot[0]] = value if slot[1] is None else slot[1](value)
            owner = data.get("owner") or default_owner
            if owner is not None:
                row[owner_at] = owner.pk
                team = teams.get(owner.pk, 0)
                if team == 0:
                    team = teams[owner.pk] = self.team_of(owner)
                if team is not None:
                    row[team_at] = team
            rep = data.get("representative")
            if rep is not None:
                row[rep_at] = rep.pk
            if ids is not None:
                row.append(ids[n])
            rows.append(row)
        columns = spec.columns if ids is None else [*spec.columns, Customer._meta.pk.column]
        last_id = copy_rows(connection, Customer._meta.db_table, columns, rows)
        return ids if ids is not None else ids_of_inserted(Customer, "uid", uids, last_id)

    @staticmethod
    def link_tags(pairs: list[tuple[int, int]], *, new_only: bool) -> None:
        """(customer id, tag id) rows into the tags table; a pair already there is left alone. For
        customers created in this batch no pair can exist yet: the rows are copied (COPY on
        PostgreSQL)."""
        from django.db import connection

        pairs.sort()
        through = Customer.tags.through._meta
        columns = [through.get_field("customer").column, through.get_field("tag").column]
        if new_only:
            copy_rows(connection, through.db_table, columns, pairs)
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(through.db_table)} ({quote(columns[0])}, {quote(columns[1])}) "
                "VALUES (%s, %s) ON CONFLICT DO NOTHING",
                pairs,
            )
