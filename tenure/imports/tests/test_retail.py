"""Opt-in: a slice of real retail data (set TENURE_RETAIL_DATA=1). Read in place, never copied."""

import gzip
import itertools
import os
from pathlib import Path

import pytest

import tenure
from tenure.commerce.models import Order, OrderLine
from tenure.imports.tests.helpers import read_report, run_import

DATA = Path(tenure.__file__).resolve().parent.parent.parent / "shared/data/online-retail/online_retail.csv.gz"
LINES = 20_000
MAP = [
    "InvoiceNo=order_id",
    "StockCode=sku",
    "Description=product_name",
    "Quantity=quantity",
    "InvoiceDate=date",
    "UnitPrice=unit_price",
    "CustomerID=customer_external_id",
]

pytestmark = [
    pytest.mark.retail,
    pytest.mark.django_db,
    pytest.mark.skipif(os.environ.get("TENURE_RETAIL_DATA") != "1", reason="set TENURE_RETAIL_DATA=1"),
]


def test_retail_slice_counts_add_up(tmp_path, agent):
    sliced = tmp_path / "retail.csv.gz"
    with gzip.open(DATA, "rt", encoding="utf-8") as src, gzip.open(sliced, "wt", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(src, LINES + 1))
    args = [a for m in MAP for a in ("--map", m)]
    report = tmp_path / "rejected.csv"
    summary = run_import(
        "orders",
        sliced,
        *args,
        "--map",
        "Country=-",
        "--create-customers",
        "--owner",
        "agent",
        "--report",
        report,
    )
    assert summary["rows"] == LINES
    assert summary["created"] + summary["updated"] + summary["unchanged"] + summary["rejected"] == LINES
    assert OrderLine.objects.count() == summary["created"] + summary["updated"]
    rejected = read_report(report)
    assert len({r["line"] for r in rejected}) == summary["rejected"]
    assert any("No customer" in r["reason"] for r in rejected)  # guest sales
    returns = Order.objects.filter(number__startswith="C")
    assert returns.exists() and all(o.is_return for o in returns)
    assert OrderLine.objects.filter(order__number__startswith="C", quantity__lt=0).exists()
    again = run_import(
        "orders", sliced, *args, "--map", "Country=-", "--create-customers", "--owner", "agent"
    )
    assert again["created"] == 0 and again["updated"] == 0 and again["unchanged"] == OrderLine.objects.count()
