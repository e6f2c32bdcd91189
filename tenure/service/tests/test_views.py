from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from tenure.customers.services import customer_update
from tenure.service.models import Article, Promise, Ticket, TicketMessage
from tenure.service.services import article_create, promise_make, ticket_create, ticket_reply
from tenure.service.tests.conftest import MONDAY_9


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def article(agent):
    return article_create(
        actor=agent, category="product", title_zh="划痕处理", body_zh="请提供照片，我们将免费更换。"
    )


def test_queue_lists_my_tickets_with_sla_badges(client_for, agent, ticket, django_assert_max_num_queries):
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])
    c = client_for(agent)
    with django_assert_max_num_queries(12):
        r = c.get(reverse("service:queue"))
    assert r.status_code == 200
    assert ticket.subject in r.content.decode()


def test_queue_query_count_does_not_grow_with_tickets(
    client_for, agent, customer, policy, django_assert_max_num_queries
):
    for i in range(15):
        ticket_create(customer=customer, actor=agent, subject=f"T{i}", assignee=agent, now=MONDAY_9)
    c = client_for(agent)
    with django_assert_max_num_queries(12):
        r = c.get(
            reverse("service:queue"),
            {"queue": "all", "status": "any", "priority": "normal", "sla": "breached"},
        )
    assert r.status_code == 200


def test_outsider_gets_404_on_every_ticket_page(client_for, outsider, ticket, customer):
    c = client_for(outsider)
    pk = ticket.pk
    assert c.get(reverse("service:ticket", args=[pk])).status_code == 404
    for name in ("ticket_reply", "ticket_status", "ticket_reopen", "ticket_take"):
        assert (
            c.post(reverse(f"service:{name}", args=[pk]), {"body": "x", "status": "closed"}).status_code
            == 404
        )
    assert c.get(reverse("service:ticket_new"), {"customer": customer.pk}).status_code == 404
    assert ticket.subject not in c.get(reverse("service:queue"), {"queue": "all"}).content.decode()
    p = promise_make(customer=customer, actor=ticket.created_by, what="call back", due_date=date(2099, 1, 1))
    assert c.post(reverse("service:promise_settle", args=[p.pk]), {"status": "kept"}).status_code == 404
    assert c.post(reverse("service:promise_new"), {"customer": customer.pk, "what": "x"}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


def test_wrong_methods(client_for, agent, ticket):
    c = client_for(agent)
    assert c.get(reverse("service:ticket_reply", args=[ticket.pk])).status_code == 405
    assert c.get(reverse("service:ticket_status", args=[ticket.pk])).status_code == 405
    assert c.post(reverse("service:ticket", args=[ticket.pk])).status_code == 405
    assert c.post(reverse("service:queue")).status_code == 405
    assert c.post(reverse("track:form")).status_code == 405
    assert c.delete(reverse("service:ticket_new")).status_code == 405


def test_anonymous_is_sent_to_sign_in(client, ticket):
    r = client.get(reverse("service:ticket", args=[ticket.pk]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_create_ticket_from_a_customer(client_for, agent, customer, policy):
    c = client_for(agent)
    url = reverse("service:ticket_new") + f"?customer={customer.pk}"
    assert c.get(url).status_code == 200
    r = c.post(
        url,
        {
            "subject": "Where is my order",
            "kind": "inquiry",
            "channel": "phone",
            "category": "delivery",
            "priority": "normal",
        },
    )
    ticket = Ticket.objects.get()
    assert r.status_code == 302 and r["Location"] == ticket.get_absolute_url()
    r = c.post(
        url,
        {"subject": "", "kind": "inquiry", "channel": "phone", "category": "delivery", "priority": "normal"},
    )
    assert r.status_code == 200 and Ticket.objects.count() == 1


def test_detail_reply_note_and_status(client_for, agent, ticket, article):
    c = client_for(agent)
    r = c.get(reverse("service:ticket", args=[ticket.pk]))
    assert r.status_code == 200
    assert "划痕处理" in r.content.decode()  # suggested answer
    r = c.get(reverse("service:ticket", args=[ticket.pk]), {"use": article.pk})
    assert "免费更换" in r.content.decode()  # inserted into the reply box
    r = c.post(
        reverse("service:ticket_reply", args=[ticket.pk]),
        {"body": "请提供照片", "public": "1", "article": article.pk},
    )
    assert r.status_code == 302
    c.post(reverse("service:ticket_reply", args=[ticket.pk]), {"body": "secret note", "public": "0"})
    assert TicketMessage.objects.filter(ticket=ticket, kind="note", body="secret note").exists()
    article.refresh_from_db()
    assert article.usage_count == 1
    c.post(reverse("service:ticket_status", args=[ticket.pk]), {"status": "resolved"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    r = c.post(reverse("service:ticket_status", args=[ticket.pk]), {"status": "new"}, follow=True)
    assert "cannot go from" in r.content.decode()
    c.post(reverse("service:ticket_reopen", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS


def test_analyst_reads_but_cannot_write(client_for, analyst, ticket, customer):
    c = client_for(analyst)
    assert c.get(reverse("service:ticket", args=[ticket.pk])).status_code == 200
    assert (
        c.post(reverse("service:ticket_reply", args=[ticket.pk]), {"body": "x", "public": "1"}).status_code
        == 403
    )
    assert c.post(reverse("service:ticket_status", args=[ticket.pk]), {"status": "closed"}).status_code == 403
    assert c.get(reverse("service:ticket_new"), {"customer": customer.pk}).status_code == 403
    assert (
        c.post(
            reverse("service:kb_new"), {"category": "general", "title_zh": "x", "body_zh": "y"}
        ).status_code
        == 403
    )


def test_knowledge_base_pages(client_for, agent, article):
    c = client_for(agent)
    r = c.get(reverse("service:kb"), {"q": "照片"})
    assert "划痕处理" in r.content.decode()
    r = c.get(reverse("service:kb"), {"q": "退款"})
    assert "划痕处理" not in r.content.decode()
    r = c.post(
        reverse("service:kb_new"),
        {"category": "billing", "tags": "价格", "title_zh": "价格", "body_zh": "见价目表"},
    )
    new = Article.objects.exclude(pk=article.pk).get()
    assert r.status_code == 302
    r = c.post(
        reverse("service:kb_edit", args=[new.pk]),
        {"category": "billing", "title_zh": "价格", "body_zh": "见新价目表"},
    )
    new.refresh_from_db()
    assert new.current.number == 2
    assert c.get(reverse("service:kb"), {"tag": "价格"}).status_code == 200
    assert c.get(reverse("service:kb_edit", args=[999999])).status_code == 404


def test_promise_pages_and_manager_approval(client_for, agent, manager, ticket, customer):
    c = client_for(agent)
    r = c.post(
        reverse("service:promise_new"),
        {
            "customer": customer.pk,
            "ticket": ticket.pk,
            "what": "Refund 500",
            "due_date": "2099-01-01",
            "value_kind": "amount",
            "value": "500",
        },
    )
    assert r.status_code == 302
    promise = Promise.objects.get()
    assert promise.status == Promise.Status.PENDING
    assert c.post(reverse("service:promise_decide", args=[promise.pk]), {"approve": "1"}).status_code == 403
    m = client_for(manager)
    assert "Refund 500" in m.get(reverse("service:promises"), {"show": "pending"}).content.decode()
    m.post(reverse("service:promise_decide", args=[promise.pk]), {"approve": "1"})
    promise.refresh_from_db()
    assert promise.status == Promise.Status.OPEN
    c.post(reverse("service:promise_settle", args=[promise.pk]), {"status": "kept"})
    promise.refresh_from_db()
    assert promise.status == Promise.Status.KEPT
    r = m.get(reverse("service:promises"), {"show": "all"})
    assert "100%" in r.content.decode()


def test_key_customer_review_lists_promises_to_top_tier_customers(client_for, manager, agent, customer):
    from tenure.customers.models import Customer
    from tenure.customers.services import customer_create

    other = customer_create(actor=agent, name="Iron customer")
    Customer.objects.filter(pk=customer.pk).update(tier="gold")
    Customer.objects.filter(pk=other.pk).update(tier="iron")
    promise_make(customer=customer, actor=agent, what="Gold callback", due_date=date(2099, 1, 1))
    promise_make(customer=other, actor=agent, what="Iron callback", due_date=date(2099, 1, 1))
    html = client_for(manager).get(reverse("service:promises"), {"show": "key"}).content.decode()
    assert "Gold callback" in html and "Iron callback" not in html


# --- Public tracking --------------------------------------------------------------------------
def test_tracking_page_shows_progress_and_leaks_nothing(client, ticket, agent, customer):
    customer_update(customer=customer, actor=agent, phone="010 6552 8888", notes="VIP, difficult")
    agent.first_name, agent.last_name = "Secret", "Agentname"
    agent.save()
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])
    ticket_reply(
        ticket=ticket, actor=agent, body="INTERNAL-NOTE-42 customer is angry", public=False, now=MONDAY_9
    )
    ticket_reply(ticket=ticket, actor=agent, body="We are sending a replacement.", public=True, now=MONDAY_9)
    r = client.get(reverse("track:ticket", args=[ticket.tracking_code]))
    html = r.content.decode()
    assert r.status_code == 200
    assert "We are sending a replacement." in html
    assert "Acknowledged" in html or "已确认" in html or "status" in html.lower()
    for secret in [
        "INTERNAL-NOTE-42",
        customer.name,
        "张",
        customer.email,
        "zhang.wei",
        "13812345678",
        "5678",
        "6552",
        "VIP, difficult",
        "Secret",
        "Agentname",
        agent.username,
        "The phone arrived with a scratch.",  # what the customer told us stays internal too
        ticket.subject,  # written by staff, possibly for colleagues
        f"/customers/{customer.pk}",
        "/service/",
    ]:
        assert secret not in html, secret


def test_tracking_needs_the_exact_code(client, ticket):
    assert client.get(reverse("track:ticket", args=["nope"])).status_code == 404
    assert client.get(reverse("track:ticket", args=[ticket.tracking_code[:-1]])).status_code == 404
    r = client.get(reverse("track:form"), {"code": ticket.tracking_code})
    assert r.status_code == 302 and r["Location"] == ticket.get_tracking_url()
    assert client.get(reverse("track:form")).status_code == 200


def test_tracking_is_rate_limited_per_address(client, ticket, settings, monkeypatch):
    from datetime import UTC, datetime

    from tenure.service import public_views

    # The limit is a fixed one-minute window: hold the clock inside one minute, so that a slow run
    # crossing a minute boundary cannot start a fresh window halfway through.
    fixed = datetime(2026, 12, 1, 9, 30, 5, tzinfo=UTC)
    monkeypatch.setattr(public_views.timezone, "now", lambda: fixed)
    url = reverse("track:ticket", args=["guess"])
    statuses = [client.get(url).status_code for _ in range(public_views.RATE_LIMIT + 1)]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {404}
    other = client.get(url, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 404


def test_attachment_download_is_visibility_checked(client_for, agent, outsider, ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket_reply(
        ticket=ticket,
        actor=agent,
        body="photo",
        public=False,
        attachments=[SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png")],
        now=MONDAY_9,
    )
    a = ticket.attachments.get()
    assert client_for(agent).get(reverse("service:attachment", args=[a.pk])).status_code == 200
    assert client_for(outsider).get(reverse("service:attachment", args=[a.pk])).status_code == 404


def test_sla_report_counts_on_time_and_late(
    client_for, agent, outsider, customer, policy, django_assert_max_num_queries
):
    from django.utils import timezone

    now = timezone.now()
    on_time = ticket_create(customer=customer, actor=agent, subject="A", now=now)
    late = ticket_create(customer=customer, actor=agent, subject="B", now=now)
    ticket_reply(ticket=on_time, actor=agent, body="hi", public=True, now=now)
    Ticket.objects.filter(pk=late.pk).update(first_response_breached=True)
    c = client_for(agent)
    with django_assert_max_num_queries(10):
        r = c.get(reverse("service:sla_report"), {"by": "category", "days": "30"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "50.0%" in html and "(1/2)" in html
    assert "sla-chart-data" in html
    assert "(1/2)" not in client_for(outsider).get(reverse("service:sla_report")).content.decode()
    assert c.post(reverse("service:sla_report")).status_code == 405


def test_settings_page_is_for_managers(client_for, agent, manager, calendar):
    assert client_for(agent).get(reverse("service:settings")).status_code == 403
    c = client_for(manager)
    assert c.get(reverse("service:settings")).status_code == 200
    r = c.post(
        reverse("service:settings"),
        {"what": "day", "calendar": calendar.pk, "date": "2026-10-01", "kind": "holiday", "name": "国庆节"},
    )
    assert r.status_code == 302
    assert calendar.days.get().name == "国庆节"
    r = c.post(
        reverse("service:settings"),
        {"what": "calendar", "name": "Berlin", "timezone": "Mars/Olympus"},
        follow=True,
    )
    assert "Berlin" not in [c.name for c in type(calendar).objects.all()]
    r = c.post(
        reverse("service:settings"),
        {
            "what": "policy",
            "name": "VIP",
            "tier": "gold",
            "first_response_minutes": 30,
            "resolution_minutes": 240,
            "warn_percent": 80,
            "calendar": calendar.pk,
        },
    )
    assert r.status_code == 302
    assert c.put(reverse("service:settings")).status_code == 405


def test_ticket_detail_query_count_does_not_grow_with_messages(
    client_for, agent, ticket, django_assert_max_num_queries
):
    for i in range(10):
        ticket_reply(ticket=ticket, actor=agent, body=f"m{i}", public=bool(i % 2), now=MONDAY_9)
    c = client_for(agent)
    with django_assert_max_num_queries(16):
        r = c.get(reverse("service:ticket", args=[ticket.pk]))
    assert r.status_code == 200


def test_new_ticket_without_customer_offers_a_search(client_for, agent, outsider, customer):
    from tenure.customers import search

    search.reindex([customer.pk])
    r = client_for(agent).get(reverse("service:ticket_new"), {"q": "张伟"})
    assert f"?customer={customer.pk}" in r.content.decode()
    r = client_for(outsider).get(reverse("service:ticket_new"), {"q": "张伟"})
    assert f"?customer={customer.pk}" not in r.content.decode()


def test_assign_to_a_colleague_only(client_for, agent, teammate, outsider, ticket):
    c = client_for(agent)
    c.post(reverse("service:ticket_assign", args=[ticket.pk]), {"assignee": teammate.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == teammate
    c.post(reverse("service:ticket_assign", args=[ticket.pk]), {"assignee": outsider.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == teammate
    assert (
        client_for(outsider)
        .post(reverse("service:ticket_assign", args=[ticket.pk]), {"assignee": ""})
        .status_code
        == 404
    )


def test_queue_filters_by_customer(client_for, agent, ticket, customer):
    from tenure.customers.services import customer_create

    other = customer_create(actor=agent, name="李四")
    ticket_create(customer=other, actor=agent, subject="Other customer's ticket", now=MONDAY_9)
    html = (
        client_for(agent)
        .get(reverse("service:queue"), {"queue": "all", "customer": customer.pk})
        .content.decode()
    )
    assert ticket.subject in html and "Other customer&#x27;s ticket" not in html
