from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Sum

from tenure.accounts.models import User
from tenure.commerce.models import Order, OrderLine
from tenure.core import demo
from tenure.customers.models import Customer, SearchDoc
from tenure.customers.selectors import duplicate_candidates
from tenure.interactions.models import Interaction

ANCHOR = date(2026, 6, 30)


def fake_context() -> demo.Context:
    staff = {u: (i, role, teams) for i, (u, _d, role, teams) in enumerate(demo.STAFF, start=1)}
    products = sorted(
        ((i, Decimal(p[4]), Decimal(p[5])) for i, p in enumerate(demo.PRODUCTS, 1)), key=lambda p: p[1]
    )
    return demo.Context(
        teams={k: i for i, k in enumerate(demo.TEAMS, 1)},
        staff=staff,
        products=products,
        tags={t: i for i, t in enumerate(demo.TAGS, 1)},
    )


def generate(seed: int, n: int = 150) -> list:
    gen = demo.DemoGenerator(fake_context(), seed=seed, anchor=ANCHOR)
    return [batch for batch in gen.batches(n, batch_size=40)]


def test_same_seed_gives_the_same_rows():
    assert generate(7) == generate(7)


def test_another_seed_gives_other_customers():
    names = lambda batches: [c["name"] for b in batches for c in b.customers]  # noqa: E731
    assert names(generate(7)) != names(generate(8))


def test_generated_rows_are_mostly_chinese_people_with_some_companies_and_english_names():
    customers = [c for b in generate(3, 600) for c in b.customers]
    kinds = Counter(c["kind"] for c in customers)
    assert kinds["company"] > 20 and kinds["person"] > 450
    assert any(c["name"].isascii() for c in customers if c["kind"] == "person")
    assert all(c["mobile"].startswith("+861") for c in customers if c["kind"] == "person")


def revenue_by_customer() -> list[float]:
    revenue = dict.fromkeys(Customer.objects.values_list("id", flat=True), 0.0)
    for cid, total in Order.objects.values_list("customer_id").annotate(t=Sum("total")):
        revenue[cid] = float(total)
    return list(revenue.values())


@pytest.fixture
def loaded(db):
    return demo.load(250, seed=11, anchor=ANCHOR)


def test_load_writes_customers_orders_interactions_and_search_entries(loaded):
    assert Customer.objects.count() == loaded["customers"] == 250
    assert Order.objects.count() == loaded["orders"] > 250
    assert OrderLine.objects.count() == loaded["lines"] > loaded["orders"]
    assert Interaction.objects.count() == loaded["interactions"] > 0
    assert SearchDoc.objects.count() == loaded["search_docs"] == 250
    someone = Customer.objects.order_by("pk")[7]
    assert someone in Customer.objects.search(someone.name)  # the entries are in the search index


def test_a_few_customers_bring_most_revenue(loaded):
    assert demo.pareto_share(revenue_by_customer(), 0.2) >= 0.6


def test_order_totals_match_their_lines_and_returns_are_negative(loaded):
    mismatched = Order.objects.annotate(s=Sum("lines__amount")).exclude(s=F("total"))
    assert not mismatched.exists()
    returns = Order.objects.filter(is_return=True)
    assert returns.exists()
    assert not returns.filter(total__gte=0).exists()
    assert OrderLine.objects.filter(quantity__lt=0).count() == returns.count()


def test_every_customer_has_an_owner_and_a_team(loaded):
    assert not Customer.objects.filter(owner=None).exists()
    assert not Customer.objects.filter(team=None).exists()


def test_zhang_wei_is_found_by_pinyin_initials_and_phone_within_the_team(loaded):
    agent = User.objects.get(username="sun.li")  # Service Centre, not the owner
    for query in ["张伟", "zhangwei", "zw", "13800138000", "138 0013 8000"]:
        assert "张伟" in set(Customer.objects.visible_to(agent).search(query).values_list("name", flat=True))


def test_visibility_follows_teams(loaded):
    online = User.objects.get(username="xu.hui")
    service = User.objects.get(username="zhao.lei")
    zhang = Customer.objects.get(mobile="+8613800138000")
    assert Customer.objects.visible_to(service).filter(pk=zhang.pk).exists()
    assert not Customer.objects.visible_to(online).filter(pk=zhang.pk).exists()
    assert 0 < Customer.objects.visible_to(online).count() < Customer.objects.count()


def test_likely_duplicates_exist_for_the_dedupe_view(loaded):
    shared = (
        Customer.objects.exclude(mobile="")
        .values("mobile")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("mobile")
        .first()
    )
    assert shared is not None
    first = Customer.objects.filter(mobile=shared["mobile"]).first()
    admin = User.objects.create_superuser("root", password=None)
    assert duplicate_candidates(admin, first).exists()


def test_staff_passwords_are_unusable_by_default(loaded):
    assert not any(u.has_usable_password() for u in User.objects.filter(username__in=loaded["staff"]))
    assert User.objects.filter(role="manager").count() == 3
    assert User.objects.filter(role="analyst").exists()


def test_the_same_seed_loads_the_same_data_twice(db):
    def snapshot():
        return [
            (c.name, c.mobile, c.email, c.lifecycle_stage, list(c.orders.order_by("id").values_list("total")))
            for c in Customer.objects.order_by("id")
        ]

    demo.load(60, seed=5, anchor=ANCHOR)
    first = snapshot()
    Customer.objects.all().delete()
    demo.load(60, seed=5, anchor=ANCHOR)
    assert snapshot() == first


def test_new_customers_can_still_be_created_after_a_load(loaded):
    from tenure.customers.services import customer_create

    c = customer_create(actor=User.objects.get(username="zhao.lei"), name="新客户")
    assert c.pk > Customer.objects.exclude(pk=c.pk).order_by("-id").first().pk


def test_command_refuses_when_customers_exist_unless_forced(loaded):
    with pytest.raises(CommandError, match="already has 250 customers"):
        call_command("demo", customers=10)
    call_command("demo", customers=10, force=True)
    assert Customer.objects.count() == 260


def test_command_sets_staff_passwords_when_asked(db, capsys, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, test only
    call_command("demo", customers=20, staff_password="Demo-pass-2026")
    assert User.objects.get(username="wang.fang").check_password("Demo-pass-2026")
    assert "20 customers" in capsys.readouterr().out
