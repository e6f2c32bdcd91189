"""Market-basket analysis: which products are bought together (R2.7), with numpy/scipy sparse matrices.

Orders are baskets and products are items (an order holds a product or not; quantities do not
matter; returns are not baskets). The (order, product) pairs are read once (binary COPY on
PostgreSQL) and counted in numpy. Support counting is done by sparse matrix products:
with X the binary orders × items matrix, ``X.T @ X`` holds every pair's count, and for the frequent
pairs P (orders × pairs, the element-wise product of the two columns) ``P.T @ X`` holds every
triple's count. Items below the minimum support are dropped before any pair is counted (Apriori:
a frequent itemset's items are all frequent).

Why not a library: mlxtend needs pandas and a dense one-hot orders × items frame (1M orders × 10k
products does not fit in memory); efficient-apriori loops over Python tuples per transaction. The
sparse products below count in compiled code and stay small.

For a rule A → C: support = orders with A and C / orders; confidence = orders with A and C /
orders with A; lift = confidence / support of C.
"""

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db.models import Q
from scipy import sparse

from tenure.commerce.models import OrderLine, Product
from tenure.value.sql import analytic_session, fetch_array


@dataclass
class Rule:
    antecedents: tuple[int, ...]
    consequent: int
    orders: int
    support: float
    confidence: float
    lift: float


@dataclass
class BasketResult:
    orders: int
    min_support: float
    min_confidence: float
    itemsets: list[tuple[tuple[int, ...], int]] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    skus: dict[int, str] = field(default_factory=dict)

    def as_dict(self, limit: int | None = None) -> dict:
        def skus(ids):
            return [self.skus.get(i, str(i)) for i in ids]

        itemsets = sorted(self.itemsets, key=lambda s: (-s[1], len(s[0]), s[0]))
        return {
            "orders": self.orders,
            "min_support": self.min_support,
            "min_confidence": self.min_confidence,
            "itemset_count": len(self.itemsets),
            "rule_count": len(self.rules),
            "itemsets": [
                {"items": skus(items), "orders": n, "support": round(n / self.orders, 6)}
                for items, n in itemsets[:limit]
            ],
            "rules": [
                {
                    "antecedents": skus(r.antecedents),
                    "consequents": skus([r.consequent]),
                    "orders": r.orders,
                    "support": round(r.support, 6),
                    "confidence": round(r.confidence, 6),
                    "lift": round(r.lift, 6),
                }
                for r in self.rules[:limit]
            ],
        }


def _baskets(since: datetime | None):
    where = Q(order__is_return=False, quantity__gt=0)
    if since is not None:
        where &= Q(order__ordered_at__gte=since)
    return OrderLine.objects.filter(where).order_by()


def basket_analysis(
    *,
    since: datetime | None = None,
    min_support: float = 0.01,
    min_confidence: float = 0.05,
    max_len: int = 3,
    max_pairs_for_triples: int = 5000,
) -> BasketResult:
    lines = _baskets(since)
    # One read of the (order, product) pairs; orders, items and their counts come from numpy.
    # (Counting orders and candidate items in SQL first meant three joins of lines with orders.)
    with analytic_session(lines.db):
        pairs = fetch_array(lines.values_list("order_id", "product_id"), 2, dtype=np.int64)
    _, rows = np.unique(pairs[:, 0], return_inverse=True)
    n_orders = int(rows.max()) + 1 if len(pairs) else 0
    result = BasketResult(orders=n_orders, min_support=min_support, min_confidence=min_confidence)
    if n_orders == 0:
        return result
    min_count = max(1, int(np.ceil(min_support * n_orders - 1e-9)))
    items, cols = np.unique(pairs[:, 1], return_inverse=True)
    X = sparse.csr_matrix(
        (np.ones(len(pairs), dtype=np.int32), (rows.ravel(), cols.ravel())), shape=(n_orders, len(items))
    )
    del pairs, rows, cols
    X.sum_duplicates()
    X.data[:] = 1  # an order holds a product or not, however many lines it has of it
    item_count = np.asarray(X.sum(axis=0)).ravel()
    keep = np.flatnonzero(item_count >= min_count)
    X, items, item_count = X[:, keep].tocsr(), items[keep], item_count[keep]
    if not len(items):
        return result
    support = item_count / n_orders
    result.itemsets = [((int(items[i]),), int(item_count[i])) for i in range(len(items))]

    def add_rule(ante_idx: tuple[int, ...], cons_idx: int, together: int, ante_count: int):
        confidence = together / ante_count
        if confidence + 1e-12 < min_confidence:
            return
        result.rules.append(
            Rule(
                antecedents=tuple(int(items[i]) for i in ante_idx),
                consequent=int(items[cons_idx]),
                orders=int(together),
                support=together / n_orders,
                confidence=confidence,
                lift=confidence / support[cons_idx],
            )
        )

    if max_len >= 2 and len(items) > 1:
        co = sparse.triu(X.T @ X, k=1).tocoo()
        keep = co.data >= min_count
        pi, pj, pc = co.row[keep], co.col[keep], co.data[keep]
        pair_count = {}
        for i, j, c in zip(pi.tolist(), pj.tolist(), pc.tolist(), strict=True):
            pair_count[(i, j)] = c
            result.itemsets.append(((int(items[i]), int(items[j])), int(c)))
            add_rule((i,), j, c, item_count[i])
            add_rule((j,), i, c, item_count[j])
        if max_len >= 3 and 0 < len(pi) <= max_pairs_for_triples:
            Xc = X.tocsc()
            P = Xc[:, pi].multiply(Xc[:, pj]).tocsc()
            tri = (P.T @ X).tocoo()
            keep = (tri.data >= min_count) & (tri.col > pj[tri.row])
            for p, k, c in zip(
                tri.row[keep].tolist(), tri.col[keep].tolist(), tri.data[keep].tolist(), strict=True
            ):
                i, j = int(pi[p]), int(pj[p])
                result.itemsets.append(((int(items[i]), int(items[j]), int(items[k])), int(c)))
                add_rule((i, j), k, c, pair_count[(i, j)])
                add_rule((i, k), j, c, pair_count[(i, k)])
                add_rule((j, k), i, c, pair_count[(j, k)])
    result.rules.sort(key=lambda r: (-r.lift, -r.confidence, -r.orders, r.antecedents, r.consequent))
    product_ids = {pid for items_, _ in result.itemsets for pid in items_}
    result.skus = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "sku"))
    return result
