"""The tier engine on hand-computed datasets: percent boundaries and ties, conditions, catch-all,
overrides and history. Metrics rows are written directly, so each expected tier follows from the
table in the test."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tenure.accounts.models import AuditEntry
from tenure.customers.models import Customer
from tenure.factories import CustomerFactory
from tenure.value import services
from tenure.value.models import CustomerMetrics, TierChange, TierDefinition, TierOverride
from tenure.value.tiers import active_tiers, criteria_text, parse_conditions

NOW = datetime(2025, 7, 1, 12, tzinfo=UTC)


def people(margins: dict[str, float | None], **extra) -> dict[str, Customer]:
    """One customer per name with the given lifetime margin (None: no metrics row). ``tenure_days``
    (derived when read) becomes a first purchase that many days before NOW."""
    out = {}
    for name, margin in margins.items():
        c = CustomerFactory(name=name)
        if margin is not None:
            values = {k: v[name] for k, v in extra.items() if name in v}
            if "tenure_days" in values:
                values["first_purchase_at"] = NOW - timedelta(days=values.pop("tenure_days"))
            CustomerMetrics.objects.create(
                customer=c,
                margin=Decimal(str(margin)),
                order_count=1 if margin > 0 else 0,
                **values,
            )
        out[name] = c
    return out


def tiers_of(customers: dict[str, Customer]) -> dict[str, str]:
    rows = dict(Customer.objects.filter(pk__in=[c.pk for c in customers.values()]).values_list("pk", "tier"))
    return {name: rows[c.pk] for name, c in customers.items()}


def define(*rows):
    TierDefinition.objects.all().delete()
    for position, (code, rule, percent, metric, conditions) in enumerate(rows, start=1):
        TierDefinition.objects.create(
            code=code,
            name_en=code.title(),
            name_zh=code,
            position=position,
            rule=rule,
            percent=percent,
            percent_metric=metric,
            conditions=conditions,
        )


BUYER = [{"metric": "order_count", "op": ">", "value": 0}, {"metric": "margin", "op": ">", "value": 0}]


def test_default_tiers_exist_in_order_with_a_catch_all(db):
    tiers = active_tiers()
    assert [t.code for t in tiers] == ["platinum", "gold", "iron", "lead"]
    assert tiers[-1].rule == TierDefinition.Rule.EVERYONE
    assert all(t.description_en and t.description_zh for t in tiers)


def test_default_tiers_on_twenty_customers(db):
    # 20 profitable buyers with margins 20, 19, … 1, two non-buyers and one with a loss.
    margins = {f"c{i:02d}": float(21 - i) for i in range(1, 21)}
    margins.update({"none": 0, "loss": -5, "norow": None})
    cs = people(margins)
    CustomerMetrics.objects.filter(customer=cs["loss"]).update(order_count=2)
    services.tiers_recompute(as_of=NOW)
    got = tiers_of(cs)
    # Population of the percent rules: 20 profitable buyers. Top 5% → 1, top 20% → 4 (3 more).
    assert got["c01"] == "platinum"
    assert [got[f"c{i:02d}"] for i in (2, 3, 4)] == ["gold"] * 3
    assert {got[f"c{i:02d}"] for i in range(5, 21)} == {"iron"}
    assert (got["none"], got["loss"], got["norow"]) == ("lead", "lead", "lead")


def test_ties_at_the_percent_boundary_are_all_in(db):
    # 10 customers, top 20% by margin: ranks 1, 2, 2, 2 (the tie straddles the 2-customer cut).
    cs = people({"a": 100, "b": 50, "c": 50, "d": 50, "e": 10, "f": 9, "g": 8, "h": 7, "i": 6, "j": 5})
    define(
        ("top", "top_percent", 20, "margin", []),
        ("rest", "everyone", None, "", []),
    )
    services.tiers_recompute(as_of=NOW)
    got = tiers_of(cs)
    assert [k for k, v in got.items() if v == "top"] == ["a", "b", "c", "d"]


def test_percent_boundary_is_exclusive_without_ties(db):
    # 10 distinct values, top 30% → exactly 3 (rank 4 has 3 customers above: 30% is not < 30%).
    cs = people({f"x{i}": float(100 - i) for i in range(10)})
    define(("top", "top_percent", 30, "margin", []), ("rest", "everyone", None, "", []))
    services.tiers_recompute(as_of=NOW)
    got = tiers_of(cs)
    assert sorted(k for k, v in got.items() if v == "top") == ["x0", "x1", "x2"]


def test_conditions_are_anded_and_null_never_matches(db):
    cs = people(
        {"old_big": 500, "new_big": 500, "old_small": 10, "unknown": 500},
        tenure_days={"old_big": 800, "new_big": 100, "old_small": 900},
        revenue_12m={"old_big": 10000, "new_big": 20000, "old_small": 50, "unknown": 20000},
    )
    define(
        (
            "vip",
            "conditions",
            None,
            "",
            [
                {"metric": "revenue_12m", "op": ">=", "value": 10000},
                {"metric": "tenure_days", "op": ">=", "value": 730},
            ],
        ),
        ("loyal", "conditions", None, "", [{"metric": "tenure_days", "op": ">", "value": 365}]),
        ("other", "conditions", None, "", [{"metric": "margin", "op": ">", "value": 1000000}]),
    )
    services.tiers_recompute(as_of=NOW)
    # The last tier catches everyone else even though its own rule would match nobody.
    assert tiers_of(cs) == {"old_big": "vip", "new_big": "other", "old_small": "loyal", "unknown": "other"}


def test_first_matching_rule_wins_and_inactive_tiers_are_skipped(db):
    cs = people({"a": 100, "b": 1})
    define(
        ("first", "conditions", None, "", [{"metric": "margin", "op": ">", "value": 50}]),
        ("second", "conditions", None, "", [{"metric": "margin", "op": ">", "value": 0}]),
        ("rest", "everyone", None, "", []),
    )
    services.tiers_recompute(as_of=NOW)
    assert tiers_of(cs) == {"a": "first", "b": "second"}
    TierDefinition.objects.filter(code="first").update(is_active=False)
    services.tiers_recompute(as_of=NOW)
    assert tiers_of(cs) == {"a": "second", "b": "second"}


def test_history_is_written_only_on_change(db):
    cs = people({"a": 100, "b": 0})
    services.tiers_recompute(as_of=NOW)
    first = list(
        TierChange.objects.order_by("customer_id").values_list(
            "customer__name", "from_tier", "to_tier", "source"
        )
    )
    assert first == [("a", "", "platinum", "computed"), ("b", "", "lead", "computed")]
    result = services.tiers_recompute(as_of=NOW + timedelta(days=1))
    assert result["changes"] == 0
    assert TierChange.objects.count() == 2
    CustomerMetrics.objects.filter(customer=cs["a"]).update(margin=-1)
    services.tiers_recompute(as_of=NOW + timedelta(days=2))
    last = TierChange.objects.filter(customer=cs["a"]).first()
    assert (last.from_tier, last.to_tier, last.changed_at) == ("platinum", "lead", NOW + timedelta(days=2))
    assert CustomerMetrics.objects.get(customer=cs["a"]).computed_tier == "lead"


def test_override_applies_at_once_and_survives_recompute(db, manager):
    cs = people({"a": 100, "b": 0})
    services.tiers_recompute(as_of=NOW)
    services.tier_override_set(customer=cs["b"], tier="gold", reason="Key account", actor=manager, now=NOW)
    cs["b"].refresh_from_db()
    assert cs["b"].tier == "gold"
    change = TierChange.objects.filter(customer=cs["b"]).first()
    assert (change.from_tier, change.to_tier, change.source, change.actor) == (
        "lead",
        "gold",
        "override",
        manager,
    )
    assert AuditEntry.objects.filter(model="value.tieroverride", customer=cs["b"]).exists()
    services.tiers_recompute(as_of=NOW + timedelta(hours=1))
    assert tiers_of(cs)["b"] == "gold"
    assert CustomerMetrics.objects.get(customer=cs["b"]).computed_tier == "lead"
    assert TierChange.objects.filter(customer=cs["b"]).count() == 2


def test_override_expires_at_recompute_with_a_history_entry(db, manager):
    cs = people({"b": 0})
    services.tiers_recompute(as_of=NOW)
    services.tier_override_set(
        customer=cs["b"],
        tier="platinum",
        reason="Trial",
        expires_at=NOW + timedelta(days=7),
        actor=manager,
        now=NOW,
    )
    services.tiers_recompute(as_of=NOW + timedelta(days=6))
    assert tiers_of(cs)["b"] == "platinum"
    services.tiers_recompute(as_of=NOW + timedelta(days=8))
    assert tiers_of(cs)["b"] == "lead"
    override = TierOverride.objects.get()
    assert (override.end_reason, override.ended_at) == ("expired", NOW + timedelta(days=8))
    last = TierChange.objects.filter(customer=cs["b"]).first()
    assert (last.from_tier, last.to_tier, last.source) == ("platinum", "lead", "override_ended")


def test_override_end_restores_the_computed_tier(db, manager):
    cs = people({"a": 100})
    services.tiers_recompute(as_of=NOW)
    services.tier_override_set(customer=cs["a"], tier="iron", reason="Dispute", actor=manager, now=NOW)
    services.tier_override_set(customer=cs["a"], tier="gold", reason="Settled", actor=manager, now=NOW)
    assert TierOverride.objects.filter(ended_at__isnull=True).count() == 1
    assert TierOverride.objects.get(reason="Dispute").end_reason == "replaced"
    services.tier_override_end(customer=cs["a"], actor=manager, now=NOW + timedelta(hours=1))
    assert tiers_of(cs)["a"] == "platinum"
    assert TierChange.objects.filter(customer=cs["a"]).first().source == "override_ended"
    assert services.tier_override_end(customer=cs["a"], actor=manager) is None


def test_override_needs_a_reason_a_known_tier_a_future_expiry_and_a_manager(db, manager, agent, customer):
    with pytest.raises(ValidationError) as exc:
        services.tier_override_set(
            customer=customer, tier="diamond", reason=" ", expires_at=NOW, actor=manager, now=NOW
        )
    assert set(exc.value.message_dict) == {"tier", "reason", "expires_at"}
    with pytest.raises(PermissionDenied):
        services.tier_override_set(customer=customer, tier="gold", reason="x", actor=agent)
    assert not TierOverride.objects.exists()


def test_metrics_recompute_includes_the_tier_step(shop):
    from tenure.value.tests.conftest import AS_OF

    run = services.metrics_recompute(as_of=AS_OF, with_clv=False)
    assert "tiers" in run.detail["timings"]
    # Margins: A 400, B 275, C 100, D 60, E 10 (5 profitable buyers), F none.
    # Top 5% of 5 → A; top 20% of 5 → A again (gold is empty); the rest iron; F lead.
    assert tiers_of(shop) == {
        "A": "platinum",
        "B": "iron",
        "C": "iron",
        "D": "iron",
        "E": "iron",
        "F": "lead",
    }
    assert run.detail["tier_changes"] == 6
    assert TierChange.objects.filter(run=run).count() == 6


def test_rule_validation_names_the_field(db, admin_user):
    with pytest.raises(ValidationError) as exc:
        services.tier_definition_save(
            actor=admin_user,
            code="x",
            name_en="X",
            name_zh="X",
            rule="top_percent",
            percent=150,
            percent_metric="password",
            conditions=[{"metric": "margin", "op": "~", "value": 1}, {"metric": "id", "op": ">", "value": 1}],
        )
    errors = exc.value.message_dict
    assert set(errors) == {"percent", "percent_metric", "conditions"}
    assert "operator" in errors["conditions"][0] and "metric" in errors["conditions"][1]
    with pytest.raises(ValidationError) as exc:
        parse_conditions("margin >= lots")
    assert "not a number" in exc.value.message_dict["conditions"][0]
    with pytest.raises(PermissionDenied):
        services.tier_definition_save(actor=None, code="y", name_en="Y", name_zh="Y", rule="everyone")


def test_definition_save_creates_and_audits(db, admin_user):
    t = services.tier_definition_save(
        actor=admin_user,
        code="silver",
        name_en="Silver",
        name_zh="白银",
        rule="conditions",
        conditions=parse_conditions("revenue_12m >= 5000\norder_count > 2"),
    )
    assert t.position == 5
    assert t.conditions == [
        {"metric": "revenue_12m", "op": ">=", "value": 5000},
        {"metric": "order_count", "op": ">", "value": 2},
    ]
    assert criteria_text(t) == "revenue, last 12 months ≥ 5000; orders > 2"
    assert AuditEntry.objects.filter(model="value.tierdefinition", object_id=str(t.pk)).exists()


def test_value_tiers_command_recomputes_and_prints_counts(db):
    import json
    from io import StringIO

    from django.core.management import call_command

    people({"a": 100, "b": 0, "c": None})
    out = StringIO()
    call_command("value", "tiers", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["tiers"] == {"lead": 2, "platinum": 1}
    assert data["changes"] == 3


def test_ending_an_override_without_metrics_gives_the_last_tier(db, manager):
    cs = people({"new": None})
    services.tier_override_set(customer=cs["new"], tier="gold", reason="VIP referral", actor=manager, now=NOW)
    services.tier_override_end(customer=cs["new"], actor=manager, now=NOW)
    assert tiers_of(cs) == {"new": "lead"}


def test_the_code_of_an_existing_tier_cannot_change(db, admin_user):
    gold = TierDefinition.objects.get(code="gold")
    with pytest.raises(ValidationError) as exc:
        services.tier_definition_save(actor=admin_user, definition=gold, code="golden")
    assert "code" in exc.value.message_dict
    services.tier_definition_save(actor=admin_user, definition=gold, code="gold", name_en="Gold+")
    gold.refresh_from_db()
    assert (gold.code, gold.name_en) == ("gold", "Gold+")
