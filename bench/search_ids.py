#!/usr/bin/env python
"""The customers a set of search queries finds, as JSON: to check that two versions of the search
(before/after a storage change) give the same answers on the same dataset.

    .venv/bin/python bench/search_ids.py --db postgres://postgres@127.0.0.1:5432/tenure_h_search_after

For the agent (team visibility) and for an admin, the queries of bench_search.py (drawn from the data
with the same seed: Chinese substring and full name, pinyin, initials, phones, e-mail, external id,
Latin name, and the broad ones) and, for each, the ids of the first page (`visible_to(user).search(q)[:50]`,
newest first) and the number of matches (`.count()`). Runs whichever `tenure` the interpreter imports
first, so another checkout can be compared with `PYTHONPATH=<checkout> <its venv>/bin/python` — the
script never puts its own repository on the path.
"""

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, log  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--agent", default="sun.li")
    parser.add_argument("--per-kind", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()
    from bench_search import queries_for, sample_customers

    import tenure
    from tenure.accounts.models import Role, User
    from tenure.customers.models import Customer

    log("tenure from", tenure.__file__)
    rng = random.Random(args.seed)
    agent = User.objects.get(username=args.agent)
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.ADMIN, "is_superuser": True, "is_staff": True}
    )
    out = {"tenure": str(Path(tenure.__file__).parent), "queries": 0, "results": {}}
    for label, user, qs in [
        ("agent", agent, Customer.objects.visible_to(agent)),
        ("admin", admin, Customer.objects),
    ]:
        mix = queries_for(sample_customers(qs.all(), 600, rng), args.per_kind, rng)
        for kind, q in mix:
            found = Customer.objects.visible_to(user).search(q)
            out["results"][f"{label}\t{kind}\t{q}"] = {
                "page": list(found[:50].values_list("pk", flat=True)),
                "count": found.count(),
            }
    out["queries"] = len(out["results"])
    emit(out)


if __name__ == "__main__":
    main()
