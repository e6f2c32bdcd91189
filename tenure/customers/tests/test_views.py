"""Customer pages: happy path, wrong method, the outsider's 404 and the analyst's 403 for each URL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.accounts.models import AuditEntry
from tenure.commerce.services import LineInput, order_create
from tenure.customers.models import Address, Contact, Customer
from tenure.customers.services import address_add, contact_add, customer_create, customer_update
from tenure.interactions.services import interaction_log

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def order(customer, agent):
    return order_create(
        customer=customer,
        number="SO-1",
        ordered_at=timezone.now() - timedelta(days=30),
        lines=[
            LineInput(sku="TEA", quantity=Decimal("2"), unit_price=Decimal("50"), unit_cost=Decimal("30")),
            LineInput(sku="CUP", quantity=Decimal("1"), unit_price=Decimal("20"), unit_cost=Decimal("5")),
        ],
        actor=agent,
    )


@pytest.fixture
def contact(customer, agent):
    return contact_add(customer=customer, actor=agent, name="李娜", mobile="13900001111", title="Buyer")


@pytest.fixture
def address(customer, agent):
    return address_add(customer=customer, actor=agent, city="上海", line="南京路 1 号")


def urls(customer, order, contact, address):
    """Every customer-scoped URL: (name, url, method)."""
    pk = customer.pk
    return [
        ("detail", reverse("customers:detail", args=[pk]), "get"),
        ("edit", reverse("customers:edit", args=[pk]), "get"),
        ("preferences", reverse("customers:preferences", args=[pk]), "get"),
        ("timeline", reverse("customers:timeline", args=[pk]), "get"),
        ("history", reverse("customers:history", args=[pk]), "get"),
        ("order", reverse("customers:order", args=[pk, order.pk]), "get"),
        ("contacts", reverse("customers:contacts", args=[pk]), "get"),
        ("addresses", reverse("customers:addresses", args=[pk]), "get"),
        ("contact_edit", reverse("customers:contact_edit", args=[pk, contact.pk]), "get"),
        ("address_edit", reverse("customers:address_edit", args=[pk, address.pk]), "get"),
        ("contact_add", reverse("customers:contact_add", args=[pk]), "post"),
        ("address_add", reverse("customers:address_add", args=[pk]), "post"),
        ("contact_remove", reverse("customers:contact_remove", args=[pk, contact.pk]), "post"),
        ("address_remove", reverse("customers:address_remove", args=[pk, address.pk]), "post"),
        ("log", reverse("interactions:log", args=[pk]), "post"),
    ]


def test_outsider_gets_404_on_every_customer_url(client_for, outsider, customer, order, contact, address):
    c = client_for(outsider)
    for name, url, method in urls(customer, order, contact, address):
        response = getattr(c, method)(url, {"name": "x", "line": "x", "memo": "x"})
        assert response.status_code == 404, name
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert Address.objects.filter(pk=address.pk).exists()
    assert not customer.interactions.exists()
    for name in ("edit", "preferences", "contact_edit", "address_edit"):
        url = dict((n, u) for n, u, _m in urls(customer, order, contact, address))[name]
        assert (
            c.post(
                url, {"name": "Hacked", "kind": "person", "lifecycle_stage": "new", "line": "x"}
            ).status_code
            == 404
        )
    customer.refresh_from_db()
    assert customer.name == "张伟"
    assert Contact.objects.get(pk=contact.pk).name == "李娜"


def test_outsider_cannot_merge_or_look_up_team_a(client_for, outsider, customer, agent):
    other = customer_create(actor=outsider, name="张伟", mobile="13812345678")
    c = client_for(outsider)
    url = reverse("customers:merge")
    assert c.get(url, {"keep": other.pk, "drop": customer.pk}).status_code == 404
    assert c.post(url, {"keep": other.pk, "drop": customer.pk}).status_code == 404
    assert Customer.objects.filter(pk=customer.pk).exists()
    # screen pop finds only the outsider's own customer with that number
    response = c.get(reverse("customers:lookup"), {"phone": "138-1234-5678"})
    assert response.status_code == 302 and response.url == other.get_absolute_url()


def test_anonymous_is_sent_to_login(client, customer):
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_signed_in_agent_sees_every_page(client_for, agent, customer, order, contact, address):
    c = client_for(agent)
    for name, url, method in urls(customer, order, contact, address):
        if method == "get":
            assert c.get(url).status_code == 200, name


def test_analyst_may_read_but_every_write_is_403(client_for, analyst, customer, order, contact, address):
    c = client_for(analyst)
    assert c.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert c.get(reverse("customers:list")).status_code == 200
    writes = [
        ("get", reverse("customers:create")),
        ("post", reverse("customers:create")),
        ("post", reverse("customers:edit", args=[customer.pk])),
        ("post", reverse("customers:preferences", args=[customer.pk])),
        ("post", reverse("customers:merge")),
    ] + [(m, u) for n, u, m in urls(customer, order, contact, address) if m == "post" or n.endswith("_edit")]
    for method, url in writes:
        assert getattr(c, method)(url, {"name": "x"}).status_code == 403, url
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_wrong_method_is_405(client_for, agent, customer, contact):
    c = client_for(agent)
    assert c.post(reverse("customers:list")).status_code == 405
    assert c.post(reverse("customers:detail", args=[customer.pk])).status_code == 405
    assert c.get(reverse("customers:contact_add", args=[customer.pk])).status_code == 405
    assert c.get(reverse("customers:contact_remove", args=[customer.pk, contact.pk])).status_code == 405
    assert c.get(reverse("interactions:log", args=[customer.pk])).status_code == 405
    assert c.put(reverse("customers:edit", args=[customer.pk])).status_code == 405


# --- list, search, autocomplete -------------------------------------------------------------------


def test_list_search_by_pinyin_and_initials(client_for, agent, customer):
    customer_create(actor=agent, name="李四")
    c = client_for(agent)
    for q in ("zhangwei", "zw", "张", "1234 5678", "zhang.wei@"):
        body = c.get(reverse("customers:list"), {"q": q}).content.decode()
        assert "张伟" in body and "李四" not in body, q


def test_list_hides_other_teams_customers(client_for, outsider, customer):
    body = client_for(outsider).get(reverse("customers:list"), {"q": "zhangwei"}).content.decode()
    assert "张伟" not in body


def test_list_filters(client_for, agent, teammate, customer):
    vip = customer_create(
        actor=agent, name="王芳", kind="company", tags=["VIP"], do_not_contact=True, representative=teammate
    )
    c = client_for(agent)

    def names(**params):
        body = c.get(reverse("customers:list"), params).content.decode()
        return {n for n in ("张伟", "王芳") if n in body}

    assert names() == {"张伟", "王芳"}
    assert names(kind="company") == {"王芳"}
    assert names(tag="VIP") == {"王芳"}
    assert names(dnc="1") == {"王芳"}
    assert names(dnc="0") == {"张伟"}
    assert names(representative=teammate.pk) == {"王芳"}
    assert names(representative="none") == {"张伟"}
    assert names(stage="churned") == set()
    customer_update(customer=vip, actor=agent, lifecycle_stage="churned")
    assert names(stage="churned") == {"王芳"}
    assert names(kind="bogus", sort="bogus") == {"张伟", "王芳"}


def test_list_sorting_and_pagination_without_count(client_for, agent, django_assert_max_num_queries):
    from tenure import factories
    from tenure.customers import search

    team = agent.teams.first()
    made = factories.CustomerFactory.create_batch(60, team=team, owner=agent)
    search.reindex([c.pk for c in made])
    c = client_for(agent)
    response = c.get(reverse("customers:list"))
    assert len(response.context["customers"]) == 50 and response.context["has_next"]
    assert response.context["total"] is None  # unfiltered: no COUNT over the whole table
    page2 = c.get(reverse("customers:list"), {"page": 2})
    assert len(page2.context["customers"]) == 10 and not page2.context["has_next"]
    by_name = c.get(reverse("customers:list"), {"sort": "name"}).context["customers"]
    assert [x.name for x in by_name] == sorted(x.name for x in by_name)
    filtered = c.get(reverse("customers:list"), {"owner": agent.pk})
    assert filtered.context["total"] == 60


def test_list_query_count_is_constant(client_for, agent, django_assert_max_num_queries):
    from tenure import factories

    team = agent.teams.first()
    c = client_for(agent)
    factories.CustomerFactory.create_batch(3, team=team, owner=agent, representative=agent)
    c.get(reverse("customers:list"))  # warm-up: creates the org settings row once
    # session, user, org settings, teams, page, tags, capped count, staff choices
    with django_assert_max_num_queries(8) as small:
        c.get(reverse("customers:list"), {"owner": agent.pk})
    for cust in factories.CustomerFactory.create_batch(60, team=team, owner=agent, representative=agent):
        cust.tags.create(name=f"t{cust.pk}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = c.get(reverse("customers:list"), {"owner": agent.pk})
    assert len(response.context["customers"]) == 50


def test_export_and_import_buttons_carry_the_query(client_for, agent, customer):
    body = client_for(agent).get(reverse("customers:list"), {"q": "zw", "kind": "person"}).content.decode()
    assert "/imports/export/customers.csv?q=zw&amp;kind=person" in body
    assert 'href="/imports/"' in body


def test_autocomplete_returns_visible_matches_only(client_for, agent, outsider, customer):
    customer_create(actor=outsider, name="张伟", email="other@example.com")
    body = client_for(agent).get(reverse("customers:autocomplete"), {"q": "zhangwei"}, **HX).content.decode()
    assert body.count("张伟") == 1 and customer.get_absolute_url() in body
    assert "other@example.com" not in body
    empty = client_for(agent).get(reverse("customers:autocomplete"), {"q": ""}).content.decode()
    assert "张伟" not in empty
    pick = (
        client_for(agent).get(reverse("customers:autocomplete"), {"q": "zw", "mode": "pick"}).content.decode()
    )
    assert f'data-pick-id="{customer.pk}"' in pick


def test_user_text_is_escaped(client_for, agent):
    evil = customer_create(actor=agent, name="<script>alert(1)</script>")
    body = client_for(agent).get(evil.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


# --- screen pop -------------------------------------------------------------------------------------


def test_lookup_one_match_redirects(client_for, agent, customer):
    for raw in ("+86 138 1234 5678", "0086-138-1234-5678", "13812345678", "１３８１２３４５６７８"):
        response = client_for(agent).get(reverse("customers:lookup"), {"phone": raw})
        assert response.status_code == 302 and response.url == customer.get_absolute_url(), raw


def test_lookup_several_matches_lists_them(client_for, agent, customer):
    other = customer_create(actor=agent, name="张伟伟", phone="13812345678")
    response = client_for(agent).get(reverse("customers:lookup"), {"phone": "138 1234 5678"})
    assert response.status_code == 200
    body = response.content.decode()
    assert customer.get_absolute_url() in body and other.get_absolute_url() in body


def test_lookup_finds_company_contact(client_for, agent):
    company = customer_create(actor=agent, name="Acme", kind="company")
    contact_add(customer=company, actor=agent, name="Li", mobile="13700000000")
    response = client_for(agent).get(reverse("customers:lookup"), {"phone": "137 0000 0000"})
    assert response.status_code == 302 and response.url == company.get_absolute_url()


def test_lookup_none_offers_create_prefilled(client_for, agent, customer):
    response = client_for(agent).get(reverse("customers:lookup"), {"phone": "139 9999 0000"})
    assert response.status_code == 200
    assert reverse("customers:create") + "?mobile=139+9999+0000" in response.content.decode()
    form = client_for(agent).get(reverse("customers:create"), {"mobile": "139 9999 0000"})
    assert 'value="139 9999 0000"' in form.content.decode()


# --- create and edit --------------------------------------------------------------------------------


def test_create_customer_with_everything(client_for, agent, teammate, customer):
    response = client_for(agent).post(
        reverse("customers:create"),
        {
            "kind": "company",
            "name": "北京茶叶公司",
            "alt_name": "Beijing Tea",
            "external_id": "C-9",
            "mobile": "139-0000-1111",
            "email": "INFO@Tea.example.com",
            "lifecycle_stage": "active",
            "wants_manager": "on",
            "tags": "VIP, 批发 ,VIP",
            "owner": agent.pk,
            "representative": teammate.pk,
            "referred_by": customer.pk,
            "notes": "Met at fair",
            "attr_key": ["region", "", "size"],
            "attr_value": ["north", "", "large"],
        },
    )
    created = Customer.objects.get(name="北京茶叶公司")
    assert response.status_code == 302 and response.url == created.get_absolute_url()
    assert created.mobile == "+8613900001111" and created.email == "info@tea.example.com"
    assert created.representative == teammate and created.referred_by == customer and created.wants_manager
    assert sorted(created.tags.values_list("name", flat=True)) == ["VIP", "批发"]
    assert created.attributes == {"region": "north", "size": "large"}
    assert AuditEntry.objects.filter(customer=created, action="create").exists()


def test_create_shows_service_errors_on_fields_and_changes_nothing(client_for, agent):
    before = Customer.objects.count()
    response = client_for(agent).post(
        reverse("customers:create"),
        {"kind": "person", "name": "Bad", "mobile": "12", "email": "nope", "lifecycle_stage": "new"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "mobile" in form.errors and "email" in form.errors
    assert Customer.objects.count() == before


def test_create_rejects_invisible_referrer(client_for, agent, outsider):
    hidden = customer_create(actor=outsider, name="Hidden")
    response = client_for(agent).post(
        reverse("customers:create"),
        {"kind": "person", "name": "New", "lifecycle_stage": "new", "referred_by": hidden.pk},
    )
    assert response.status_code == 400 and "referred_by" in response.context["form"].errors
    assert not Customer.objects.filter(name="New").exists()


def test_edit_updates_and_audits(client_for, agent, customer):
    c = client_for(agent)
    page = c.get(reverse("customers:edit", args=[customer.pk]))
    assert page.context["form"].initial["name"] == "张伟"
    response = c.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "kind": "person",
            "name": "张伟",
            "mobile": "13812345678",
            "lifecycle_stage": "at_risk",
            "tags": "gold",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "at_risk" and customer.email == ""
    entry = AuditEntry.objects.filter(customer=customer, action="update").latest("id")
    assert entry.changes["lifecycle_stage"] == ["new", "at_risk"] and entry.actor == agent


def test_edit_duplicate_external_id_is_a_form_error(client_for, agent, customer):
    customer_create(actor=agent, name="Other", external_id="X1")
    response = client_for(agent).post(
        reverse("customers:edit", args=[customer.pk]),
        {"kind": "person", "name": "张伟", "external_id": "X1", "lifecycle_stage": "new"},
    )
    assert response.status_code == 400 and "external_id" in response.context["form"].errors
    customer.refresh_from_db()
    assert customer.external_id is None


def test_preferences_form(client_for, agent, customer):
    url = reverse("customers:preferences", args=[customer.pk])
    c = client_for(agent)
    response = c.post(
        url,
        {
            "allowed_channels": ["phone", "wechat"],
            "preferred_channel": "wechat",
            "max_contacts_per_month": "2",
            "do_not_contact": "on",
            "service_style": "personal",
            "consent_given_at": "2026-01-02T10:00",
            "consent_method": "signed form",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.allowed_channels == ["phone", "wechat"] and customer.do_not_contact
    assert customer.max_contacts_per_month == 2 and customer.consent_method == "signed form"
    body = c.get(customer.get_absolute_url()).content.decode()
    assert "DO NOT CONTACT" in body
    bad = c.post(url, {"allowed_channels": ["phone"], "preferred_channel": "email"})
    assert bad.status_code == 400 and "preferred_channel" in bad.context["form"].errors


# --- contacts and addresses inline ----------------------------------------------------------------


def test_contact_add_edit_remove_with_htmx(client_for, agent, customer):
    c = client_for(agent)
    response = c.post(
        reverse("customers:contact_add", args=[customer.pk]), {"name": "王总", "mobile": "13700001111"}, **HX
    )
    assert response.status_code == 200 and "王总" in response.content.decode()
    assert response["HX-Retarget"] == "#contacts"
    contact = customer.contacts.get()
    assert contact.mobile == "+8613700001111"
    bad = c.post(reverse("customers:contact_add", args=[customer.pk]), {"name": "X", "mobile": "1"}, **HX)
    assert "not a valid phone number" in bad.content.decode() and customer.contacts.count() == 1
    edit = reverse("customers:contact_edit", args=[customer.pk, contact.pk])
    assert "王总" in c.get(edit, **HX).content.decode()
    c.post(edit, {"name": "王经理", "mobile": "13700001111", "title": "CEO"}, **HX)
    contact.refresh_from_db()
    assert contact.name == "王经理" and contact.title == "CEO"
    assert AuditEntry.objects.filter(model="customers.contact", action="update").exists()
    c.post(reverse("customers:contact_remove", args=[customer.pk, contact.pk]), **HX)
    assert not customer.contacts.exists()
    assert AuditEntry.objects.filter(model="customers.contact", action="delete").exists()


def test_contact_of_another_customer_is_404(client_for, agent, customer):
    other = customer_create(actor=agent, name="Other")
    contact = contact_add(customer=other, actor=agent, name="X")
    url = reverse("customers:contact_remove", args=[customer.pk, contact.pk])
    assert client_for(agent).post(url).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_address_add_edit_remove(client_for, agent, customer):
    c = client_for(agent)
    response = c.post(
        reverse("customers:address_add", args=[customer.pk]),
        {"kind": "home", "line": "中山路 8 号", "city": "杭州"},
    )
    assert response.status_code == 302
    address = customer.addresses.get()
    missing = c.post(reverse("customers:address_add", args=[customer.pk]), {"kind": "home", "line": ""}, **HX)
    assert "This field is required" in missing.content.decode() and customer.addresses.count() == 1
    c.post(
        reverse("customers:address_edit", args=[customer.pk, address.pk]),
        {"kind": "work", "line": "x 路"},
        **HX,
    )
    address.refresh_from_db()
    assert address.kind == "work" and address.city == ""
    c.post(reverse("customers:address_remove", args=[customer.pk, address.pk]), **HX)
    assert not customer.addresses.exists()


# --- the 360 page ------------------------------------------------------------------------------------


def test_detail_shows_the_whole_customer(client_for, agent, teammate, customer, order, contact, address):
    customer_update(
        customer=customer,
        actor=agent,
        representative=teammate,
        wants_manager=True,
        tags=["VIP"],
        source="Referral",
    )
    customer_create(actor=agent, name="Friend", referred_by=customer)
    interaction_log(customer=customer, actor=agent, purpose="Asked about delivery", memo="Will call back")
    body = client_for(agent).get(customer.get_absolute_url()).content.decode()
    for text in (
        "张伟",
        "+86 138 1234 5678",
        "zhang.wei@example.com",
        "teammate",
        "VIP",
        "Referral",
        "Wants to deal with a manager",
        "Asked about delivery",
        "Will call back",
        "SO-1",
        "2 lines",
        "南京路 1 号",
        "First-time buyer",
        "120.00",  # revenue
        "55.00",  # margin: 120 - (2 × 30 + 5)
    ):
        assert text in body, text
    ctx = client_for(agent).get(customer.get_absolute_url()).context
    assert ctx["referrals_count"] == 1


def test_detail_shows_duplicates_with_merge_button(client_for, agent, customer):
    twin = customer_create(actor=agent, name="张伟 (2)", mobile="13812345678")
    body = client_for(agent).get(customer.get_absolute_url()).content.decode()
    assert f"keep={customer.pk}&amp;drop={twin.pk}" in body


def test_timeline_is_merged_newest_first_and_paginated(
    client_for, agent, customer, django_assert_max_num_queries
):
    from tenure import factories

    now = timezone.now()
    for i in range(30):
        factories.InteractionFactory(
            customer=customer, occurred_at=now - timedelta(hours=2 * i), purpose=f"I{i}"
        )
        factories.OrderFactory(customer=customer, ordered_at=now - timedelta(hours=2 * i + 1), number=f"O{i}")
    c = client_for(agent)
    with django_assert_max_num_queries(21):  # + tier panel, + recommendations
        page = c.get(customer.get_absolute_url())
    entries = page.context["entries"]
    assert len(entries) == 25
    times = [e.at for e in entries]
    assert times == sorted(times, reverse=True)
    assert entries[0].obj.purpose == "I0" and entries[1].obj.number == "O0"
    seen = [e.obj.pk for e in entries]
    cursor = page.context["next_cursor"]
    pages = 1
    while cursor:
        with django_assert_max_num_queries(8):
            more = c.get(reverse("customers:timeline", args=[customer.pk]), {"before": cursor}, **HX)
        seen += [(e.obj.pk) for e in more.context["entries"]]
        cursor = more.context["next_cursor"]
        pages += 1
    assert len(seen) == 60 and pages == 3


def test_detail_query_count_does_not_grow_with_the_customer(
    client_for, agent, teammate, customer, order, contact, address, django_assert_num_queries
):
    """Session, user (with the org setting and team ids: one statement), customer, value summary,
    contacts, addresses, tags, referrals, duplicate suggestions (one statement), two timeline streams,
    the tier panel, the "bought together" recommendations: 13 whatever the history."""
    from tenure import factories

    url = customer.get_absolute_url()
    c = client_for(agent)
    c.get(url)
    with django_assert_num_queries(13):
        small = c.get(url)
    assert len(small.context["entries"]) == 1 and not small.context["duplicates"]
    now = timezone.now()
    for i in range(40):
        factories.InteractionFactory(
            customer=customer, occurred_at=now - timedelta(hours=i), handled_by=teammate
        )
        factories.OrderFactory(customer=customer, ordered_at=now - timedelta(hours=i, minutes=30))
    for i in range(3):
        contact_add(customer=customer, actor=agent, name=f"Contact {i}", mobile=f"1390000222{i}")
        address_add(customer=customer, actor=agent, city="北京", line=f"长安街 {i} 号")
        customer_create(actor=agent, name=f"Twin {i}", mobile="13812345678")
    customer_create(actor=agent, name="张伟", email="other@example.com")
    with django_assert_num_queries(13):
        big = c.get(url)
    assert len(big.context["entries"]) == 25 and len(big.context["duplicates"]) == 4
    assert big.context["next_cursor"]


def test_timeline_bad_cursor_starts_from_top(client_for, agent, customer):
    interaction_log(customer=customer, actor=agent, memo="hello")
    response = client_for(agent).get(reverse("customers:timeline", args=[customer.pk]), {"before": "garbage"})
    assert response.status_code == 200 and "hello" in response.content.decode()


def test_order_detail_lists_lines(client_for, agent, customer, order):
    body = client_for(agent).get(reverse("customers:order", args=[customer.pk, order.pk])).content.decode()
    assert "TEA" in body and "CUP" in body and "SO-1" in body


def test_order_of_another_customer_is_404(client_for, agent, customer, order):
    other = customer_create(actor=agent, name="Other")
    assert client_for(agent).get(reverse("customers:order", args=[other.pk, order.pk])).status_code == 404


def test_history_shows_who_when_before_after(client_for, agent, customer):
    customer_update(customer=customer, actor=agent, lifecycle_stage="active")
    body = client_for(agent).get(reverse("customers:history", args=[customer.pk])).content.decode()
    assert "lifecycle stage" in body and "new" in body and "active" in body and "agent" in body


# --- duplicates and merge -----------------------------------------------------------------------------


def test_duplicates_groups_visible_customers_only(client_for, agent, outsider, customer):
    twin = customer_create(actor=agent, name="Zhang W", mobile="+86 138 1234 5678")
    customer_create(actor=outsider, name="张伟", mobile="13812345678")
    response = client_for(agent).get(reverse("customers:duplicates"))
    groups = response.context["groups"]
    mobile = [g for g in groups if g["key"] == "mobile"]
    assert len(mobile) == 1 and {c.pk for c in mobile[0]["customers"]} == {customer.pk, twin.pk}
    assert not [g for g in groups if g["key"] == "name"]  # the other 张伟 belongs to team B
    assert client_for(outsider).get(reverse("customers:duplicates")).context["groups"] == []


def test_merge_page_and_post(client_for, agent, customer, order):
    twin = customer_create(actor=agent, name="张伟", email="zw@example.com")
    interaction_log(customer=twin, actor=agent, memo="twin call")
    c = client_for(agent)
    url = reverse("customers:merge")
    page = c.get(url, {"keep": customer.pk, "drop": twin.pk})
    assert page.status_code == 200 and "zw@example.com" in page.content.decode()
    response = c.post(url, {"keep": customer.pk, "drop": twin.pk})
    assert response.status_code == 302 and response.url == customer.get_absolute_url()
    assert not Customer.objects.filter(pk=twin.pk).exists()
    assert customer.interactions.filter(memo="twin call").exists()
    assert AuditEntry.objects.filter(customer=customer, action="merge").exists()


def test_merge_bad_input(client_for, agent, customer):
    c = client_for(agent)
    url = reverse("customers:merge")
    assert c.get(url, {"keep": "x", "drop": "1"}).status_code == 404
    assert c.get(url).status_code == 404
    assert c.get(url, {"keep": customer.pk, "drop": 999999}).status_code == 404
    same = c.post(url, {"keep": customer.pk, "drop": customer.pk})
    assert same.status_code == 400 and Customer.objects.filter(pk=customer.pk).exists()
