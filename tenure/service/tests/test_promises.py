from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tenure.service.models import Promise
from tenure.service.selectors import overdue_promises, promise_kept_rate
from tenure.service.services import promise_decide, promise_limit_set, promise_make, promise_settle
from tenure.service.tests.conftest import SH

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
DUE = date(2026, 11, 30)


@pytest.fixture
def limits(admin_user):
    promise_limit_set(actor=admin_user, role="agent", value_kind="discount", max_value=10)
    promise_limit_set(actor=admin_user, role="agent", value_kind="amount", max_value=200)


def test_within_the_limit_counts_at_once(customer, agent, limits):
    p = promise_make(
        customer=customer, actor=agent, what="10% off", due_date=DUE, value_kind="discount", value=10, now=NOW
    )
    assert p.status == Promise.Status.OPEN and not p.needs_approval


def test_beyond_the_limit_waits_for_a_manager(customer, agent, teammate, manager, limits):
    p = promise_make(
        customer=customer, actor=agent, what="Refund", due_date=DUE, value_kind="amount", value="500", now=NOW
    )
    assert p.status == Promise.Status.PENDING and p.needs_approval
    with pytest.raises(PermissionDenied):
        promise_decide(promise=p, actor=teammate, approve=True)
    with pytest.raises(ValidationError):
        promise_settle(promise=p, actor=agent, status="kept")
    p = promise_decide(promise=p, actor=manager, approve=True)
    assert p.status == Promise.Status.OPEN and p.approved_by == manager
    with pytest.raises(ValidationError):
        promise_decide(promise=p, actor=manager, approve=True)


def test_role_without_a_limit_needs_approval_for_any_value_manager_never(customer, agent, manager):
    p = promise_make(
        customer=customer,
        actor=agent,
        what="Free repair",
        due_date=DUE,
        value_kind="free_service",
        value=1,
        now=NOW,
    )
    assert p.status == Promise.Status.PENDING
    p = promise_make(
        customer=customer,
        actor=manager,
        what="Free repair",
        due_date=DUE,
        value_kind="free_service",
        value=900,
        now=NOW,
    )
    assert p.status == Promise.Status.OPEN
    p = promise_make(customer=customer, actor=agent, what="Call back Friday", due_date=DUE, now=NOW)
    assert p.status == Promise.Status.OPEN


@pytest.mark.parametrize(
    "kwargs",
    [
        {"what": ""},
        {"value_kind": "discount", "value": 150},
        {"value_kind": "amount", "value": -1},
        {"value_kind": "amount", "value": "abc"},
        {"due_date": date(2026, 1, 1)},
        {"value_kind": "none", "value": 5},
    ],
)
def test_bad_promises_are_refused(customer, agent, kwargs):
    args = {"what": "x", "due_date": DUE, **kwargs}
    with pytest.raises(ValidationError):
        promise_make(customer=customer, actor=agent, now=NOW, **args)
    assert not Promise.objects.exists()


def test_kept_rate_and_overdue(customer, agent, manager):
    a = promise_make(customer=customer, actor=agent, what="a", due_date=DUE, now=NOW)
    b = promise_make(customer=customer, actor=agent, what="b", due_date=DUE, now=NOW)
    c = promise_make(customer=customer, actor=agent, what="c", due_date=DUE, now=NOW)
    promise_make(customer=customer, actor=agent, what="d", due_date=DUE, now=NOW)
    promise_settle(promise=a, actor=agent, status="kept")
    promise_settle(promise=b, actor=agent, status="kept")
    promise_settle(promise=c, actor=agent, status="broken")
    [row] = promise_kept_rate(manager)
    assert (row["kept"], row["broken"], row["open"], row["rate"]) == (2, 1, 1, 67)
    assert overdue_promises(agent, today=date(2026, 12, 1)).count() == 1
    assert overdue_promises(agent, today=date(2026, 11, 29)).count() == 0


def test_limit_is_admins_only(agent):
    with pytest.raises(PermissionDenied):
        promise_limit_set(actor=agent, role="agent", value_kind="amount", max_value=Decimal("1"))
