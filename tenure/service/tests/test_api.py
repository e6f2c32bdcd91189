from tenure.service.models import Promise, Ticket, TicketMessage
from tenure.service.services import article_create


def test_ticket_create_shows_sla_due_times_and_tracking_url(api, agent, customer, policy):
    r = api(agent).post(
        "/api/v1/tickets/",
        {"customer": customer.pk, "subject": "No signal", "kind": "complaint"},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["first_response_due"] and body["resolution_due"]
    assert body["tracking_url"].startswith("http://testserver/track/")
    assert body["tracking_url"].endswith(f"/{body['tracking_code']}/")
    r = api(agent).get(f"/api/v1/tickets/{body['id']}/")
    assert r.status_code == 200 and r.json()["subject"] == "No signal"


def test_bad_input_is_a_clear_400_and_changes_nothing(api, agent, customer, policy):
    r = api(agent).post(
        "/api/v1/tickets/", {"customer": customer.pk, "subject": "x", "kind": "rant"}, format="json"
    )
    assert r.status_code == 400 and "kind" in r.json()["errors"]
    r = api(agent).post("/api/v1/tickets/", {"customer": customer.pk, "subject": " "}, format="json")
    assert r.status_code == 400
    assert not Ticket.objects.exists()


def test_outsider_sees_no_ticket_and_cannot_create_for_the_customer(api, outsider, ticket, customer):
    c = api(outsider)
    assert c.get("/api/v1/tickets/").json()["results"] == []
    assert c.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
    assert c.post(f"/api/v1/tickets/{ticket.pk}/messages/", {"body": "x"}, format="json").status_code == 404
    assert (
        c.post("/api/v1/tickets/", {"customer": customer.pk, "subject": "x"}, format="json").status_code
        == 404
    )
    assert (
        c.post(
            "/api/v1/promises/",
            {"customer": customer.pk, "what": "x", "due_date": "2099-01-01"},
            format="json",
        ).status_code
        == 404
    )


def test_replies_notes_and_status(api, agent, ticket):
    c = api(agent)
    r = c.post(
        f"/api/v1/tickets/{ticket.pk}/messages/", {"body": "We're on it", "kind": "reply"}, format="json"
    )
    assert r.status_code == 201
    c.post(f"/api/v1/tickets/{ticket.pk}/messages/", {"body": "note", "kind": "note"}, format="json")
    kinds = [m["kind"] for m in c.get(f"/api/v1/tickets/{ticket.pk}/messages/?public=1").json()]
    assert "note" not in kinds and "reply" in kinds
    r = c.post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "resolved"}, format="json")
    assert r.json()["status"] == "resolved"
    r = c.post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "new"}, format="json")
    assert r.status_code == 400
    r = c.post(f"/api/v1/tickets/{ticket.pk}/reopen/", {}, format="json")
    assert r.json()["status"] == "in_progress" and r.json()["reopen_count"] == 1
    assert TicketMessage.objects.filter(kind="note").count() == 1


def test_analyst_cannot_write_through_the_api(api, analyst, ticket):
    r = api(analyst).post(f"/api/v1/tickets/{ticket.pk}/messages/", {"body": "x"}, format="json")
    assert r.status_code == 403
    assert api(analyst).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200


def test_articles_search_and_revise(api, agent):
    article_create(actor=agent, title_zh="保修期", body_zh="整机保修一年。")
    c = api(agent)
    assert [a["title_zh"] for a in c.get("/api/v1/articles/?q=保修").json()["results"]] == ["保修期"]
    r = c.post("/api/v1/articles/", {"title_en": "Prices", "body_en": "See the list."}, format="json")
    assert r.status_code == 201
    r = c.put(
        f"/api/v1/articles/{r.json()['id']}/", {"title_en": "Prices", "body_en": "New list."}, format="json"
    )
    assert r.json()["version"] == 2
    assert c.post("/api/v1/articles/", {"title_en": ""}, format="json").status_code == 400


def test_promise_approval_through_the_api(api, agent, manager, customer):
    r = api(agent).post(
        "/api/v1/promises/",
        {
            "customer": customer.pk,
            "what": "Refund",
            "due_date": "2099-01-01",
            "value_kind": "amount",
            "value": "300",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    pk = r.json()["id"]
    assert (
        api(agent).post(f"/api/v1/promises/{pk}/decide/", {"approve": True}, format="json").status_code == 403
    )
    r = api(manager).post(f"/api/v1/promises/{pk}/decide/", {"approve": True}, format="json")
    assert r.json()["status"] == "open"
    r = api(agent).post(f"/api/v1/promises/{pk}/settle/", {"status": "kept"}, format="json")
    assert r.json()["status"] == "kept"
    assert Promise.objects.get().status == "kept"


def test_policies_and_calendars_are_listed(api, agent, policy):
    assert api(agent).get("/api/v1/sla-policies/").json()["results"][0]["name"] == "Standard"
    cal = api(agent).get("/api/v1/work-calendars/").json()["results"][0]
    assert cal["timezone"] == "Asia/Shanghai"


def test_openapi_schema_builds(client_for, agent):
    r = client_for(agent).get("/api/schema/")
    assert r.status_code == 200
    assert b"/api/v1/tickets/" in r.content


def test_assign_through_the_api(api, agent, teammate, ticket):
    r = api(agent).post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": teammate.pk}, format="json")
    assert r.status_code == 200 and r.json()["assignee"] == teammate.pk
    r = api(agent).post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": 999999}, format="json")
    assert r.status_code == 400
