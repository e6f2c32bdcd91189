import pytest
from django.http import Http404

from tenure.factories import CustomerFactory
from tenure.value.selectors import metrics_for_user, metrics_visible_to
from tenure.value.services import metrics_recompute


def test_metrics_go_through_visibility(agent, teammate, outsider, admin_user, customer):
    CustomerFactory()  # nobody's customer: only the admin sees it
    metrics_recompute(with_clv=False)
    assert list(metrics_visible_to(agent).values_list("customer_id", flat=True)) == [customer.pk]
    assert list(metrics_visible_to(teammate).values_list("customer_id", flat=True)) == [customer.pk]
    assert not metrics_visible_to(outsider).exists()
    assert metrics_visible_to(admin_user).count() == 2
    assert metrics_for_user(agent, customer.pk).customer_id == customer.pk
    with pytest.raises(Http404):
        metrics_for_user(outsider, customer.pk)
