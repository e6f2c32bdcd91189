from tenure.accounts.models import Team
from tenure.accounts.services import staff_create
from tenure.customers.services import customer_update
from tenure.service.models import RoutingRule
from tenure.service.services import routing_rule_save, ticket_create
from tenure.service.tests.conftest import MONDAY_9
from tenure.value.services import tier_override_set


def test_keyword_rule_sends_to_technical_team(customer, agent, admin_user, policy):
    tech = staff_create(username="tech", teams=["Technical"])
    routing_rule_save(
        actor=admin_user,
        name="Tech",
        keywords="死机, crash",
        team=Team.objects.get(name="Technical"),
        assignee=tech,
    )
    t = ticket_create(customer=customer, actor=agent, subject="App crashes on start", now=MONDAY_9)
    assert (t.team.name, t.assignee) == ("Technical", tech)
    t2 = ticket_create(customer=customer, actor=agent, subject="手机老是死机", now=MONDAY_9)
    assert t2.assignee == tech


def test_dedicated_representative_is_preferred_when_in_the_rule_team(
    customer, agent, teammate, admin_user, policy
):
    team_a = Team.objects.get(name="Team A")
    routing_rule_save(actor=admin_user, name="Billing", category="billing", team=team_a, assignee=teammate)
    customer_update(customer=customer, actor=agent, representative=agent)
    t = ticket_create(customer=customer, actor=agent, subject="Invoice", category="billing", now=MONDAY_9)
    assert t.assignee == agent
    routing_rule_save(actor=admin_user, rule=RoutingRule.objects.get(), prefer_representative=False)
    t2 = ticket_create(customer=customer, actor=agent, subject="Invoice", category="billing", now=MONDAY_9)
    assert t2.assignee == teammate


def test_rules_match_tier_and_language_in_order(customer, agent, admin_user, policy):
    vip = staff_create(username="vip", teams=["VIP desk"])
    english = staff_create(username="english", teams=["English desk"])
    routing_rule_save(
        actor=admin_user,
        name="VIP",
        position=1,
        tier="gold",
        team=Team.objects.get(name="VIP desk"),
        assignee=vip,
    )
    routing_rule_save(
        actor=admin_user,
        name="English",
        position=2,
        language="en",
        team=Team.objects.get(name="English desk"),
        assignee=english,
    )
    t = ticket_create(customer=customer, actor=agent, subject="Hello", language="en", now=MONDAY_9)
    assert t.assignee == english
    customer_update(customer=customer, actor=agent, attributes={"tier": "platinum"})  # not the tier
    t = ticket_create(customer=customer, actor=agent, subject="Hello", language="en", now=MONDAY_9)
    assert t.assignee == english
    tier_override_set(customer=customer, tier="gold", reason="Key account", actor=admin_user)
    t = ticket_create(customer=customer, actor=agent, subject="Hello", language="en", now=MONDAY_9)
    assert t.assignee == vip


def test_without_rules_the_customer_team_and_representative_get_it(customer, agent, policy):
    customer_update(customer=customer, actor=agent, representative=agent)
    t = ticket_create(customer=customer, actor=agent, subject="Hello", now=MONDAY_9)
    assert (t.team, t.assignee) == (customer.team, agent)


def test_sla_policy_follows_the_effective_tier(customer, admin_user, policy):
    from tenure.service import sla
    from tenure.service.models import SlaPolicy

    vip = SlaPolicy.objects.create(
        name="VIP", tier="gold", first_response_minutes=15, resolution_minutes=60, calendar=policy.calendar
    )
    assert sla.customer_tier(customer) == ""
    tier_override_set(customer=customer, tier="gold", reason="Key account", actor=admin_user)
    assert sla.customer_tier(customer) == "gold"
    assert sla.policy_for(category="", priority="", tier=sla.customer_tier(customer)) == vip
