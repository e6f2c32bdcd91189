"""tenure.accounts.sessions reads the rows of Django's database sessions with a fixed statement:
same table, same expiry rule, interchangeable with django.contrib.sessions.backends.db."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenure.accounts.sessions import SessionStore


def test_engine_is_configured():
    assert settings.SESSION_ENGINE == "tenure.accounts.sessions"


def test_reads_what_django_wrote_and_back(db):
    theirs = DjangoStore()
    theirs["answer"] = 42
    theirs.create()
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(theirs.session_key)["answer"] == 42
    assert len(queries) == 1
    ours = SessionStore()
    ours["question"] = "six by nine"
    ours.create()
    assert DjangoStore(ours.session_key)["question"] == "six by nine"


def test_expired_missing_and_malformed_keys_load_nothing(db):
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    missing = SessionStore("a" * 32)
    assert missing.load() == {} and missing.session_key is None
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore("short").load() == {}
        assert SessionStore(None).load() == {}
    assert len(queries) == 0


def test_signing_out_ends_the_session_for_every_process(client_for, agent, customer):
    """Nothing is cached: once the row is gone (sign-out in any worker), the cookie is worthless."""
    browser = client_for(agent)
    url = customer.get_absolute_url()
    assert browser.get(url).status_code == 200
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).delete()
    assert browser.get(url).status_code == 302
