#!/usr/bin/env python
"""Write the HTML of customer pages to a folder, CSRF tokens blanked, to compare two checkouts.

    .venv/bin/python bench/page_html.py --db postgres://… --out /work/bench-data/pages_after
    diff -r /work/bench-data/pages_before /work/bench-data/pages_after

Pages: the first ``--customers`` customers the agent sees that have orders (plus the one with the
most orders), in Chinese and English, as the agent and as a manager of the agent's team, and the
"older entries" fragment of each. Rendered in this process through the test client.
"""

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import setup_django  # noqa: E402

CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--agent", default="sun.li")
    parser.add_argument("--customers", type=int, default=12)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    os.environ["TENURE_MANIFEST_STATIC"] = "0"
    setup_django(args.db)
    from django.db.models import Count
    from django.test import Client

    from tenure.accounts.models import User
    from tenure.commerce.models import Order
    from tenure.customers.models import Customer

    agent = User.objects.get(username=args.agent)
    manager = (
        User.objects.filter(role="manager", teams__in=agent.teams.all()).order_by("id").first()
        or User.objects.filter(role="manager").order_by("id").first()
    )
    visible = Customer.objects.visible_to(agent)
    ids = list(
        visible.filter(pk__in=Order.objects.values("customer_id"))
        .order_by("id")
        .values_list("pk", flat=True)[: args.customers]
    )
    busiest = (
        Order.objects.filter(customer__in=visible.values("pk"))
        .values("customer")
        .annotate(n=Count("id"))
        .order_by("-n", "customer")
        .first()
    )
    if busiest:
        ids.append(busiest["customer"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for user in (agent, manager):
        client = Client()
        client.force_login(user)
        for language in ("zh-hans", "en"):
            for pk in ids:
                response = client.get(f"/customers/{pk}/", HTTP_ACCEPT_LANGUAGE=language)
                if response.status_code != 200:
                    continue
                html = CSRF.sub(r"\1", response.content.decode())
                (out / f"{user.username}-{language}-{pk}.html").write_text(html)
                more = re.search(r'hx-get="([^"]*/timeline/\?before=[^"]*)"', html)
                if more:
                    fragment = client.get(more.group(1).replace("&amp;", "&"), HTTP_ACCEPT_LANGUAGE=language)
                    (out / f"{user.username}-{language}-{pk}-older.html").write_text(
                        CSRF.sub(r"\1", fragment.content.decode())
                    )
                written += 1
    print(f"{written} pages of {len(ids)} customers in {out}")


if __name__ == "__main__":
    main()
