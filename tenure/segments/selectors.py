"""Reads of segments and their members; every member query starts from the visibility door."""

from django.http import Http404

from tenure.customers.models import Customer
from tenure.segments.models import Segment
from tenure.segments.rules import compile_rules, validate_rules

MEMBER_ORDER = ["name", "pk"]


def segments_for(user):
    return Segment.objects.visible_to(user).select_related("owner")


def get_segment_for_user(user, pk) -> Segment:
    """The segment if `user` may see it (shared, theirs, or they are an admin), else 404."""
    try:
        return segments_for(user).get(pk=pk)
    except (Segment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such segment") from None


def rules_queryset(base, rules: dict, *, now=None):
    """`base` (a Customer queryset) filtered by the rule tree: one Q, one SQL statement."""
    return base.filter(compile_rules(validate_rules(rules, check_db=False), now=now))


def customers_matching(user, rules: dict, *, now=None):
    return rules_queryset(Customer.objects.visible_to(user), rules, now=now)


def segment_members(user, segment: Segment, *, now=None):
    """The visible members, with what the member list shows, in one query."""
    return (
        customers_matching(user, segment.rules, now=now)
        .select_related("metrics", "representative")
        .order_by(*MEMBER_ORDER)
    )


def segment_count(user, segment: Segment, *, now=None) -> int:
    return customers_matching(user, segment.rules, now=now).order_by().count()
