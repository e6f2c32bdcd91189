"""RFM report from the stored metrics: bins, segment counts and the R × FM grid for a heat map."""

from django.db.models import Count, Sum

from tenure.value.conf import value_settings
from tenure.value.metrics import SEGMENT_RULES
from tenure.value.models import CustomerMetrics, RfmSegment


def rfm_report() -> dict:
    bins = list(value_settings()["rfm_bins"])
    size = len(bins) + 1
    scored = CustomerMetrics.objects.filter(rfm_r__isnull=False).order_by()
    cells = scored.values("rfm_r", "rfm_f", "rfm_m").annotate(n=Count("customer_id"))
    grid_rfm = [[0] * size for _ in range(size)]  # rows: R 1..5, columns: FM 1..5
    grid_rf = [[0] * size for _ in range(size)]  # rows: R, columns: F
    for cell in cells:
        r, f, m, n = cell["rfm_r"], cell["rfm_f"], cell["rfm_m"], cell["n"]
        fm = (f + m + 1) // 2
        grid_rfm[r - 1][fm - 1] += n
        grid_rf[r - 1][f - 1] += n
    segments = {
        row["rfm_segment"]: {"customers": row["n"], "revenue": float(row["rev"] or 0)}
        for row in scored.values("rfm_segment").annotate(n=Count("customer_id"), rev=Sum("revenue"))
    }
    return {
        "bins": bins,
        "customers": sum(v["customers"] for v in segments.values()),
        "segments": {
            str(seg): segments.get(str(seg), {"customers": 0, "revenue": 0.0}) for seg in RfmSegment.values
        },
        "segment_rules": [
            {"segment": str(name), "r": list(r), "fm": list(fm)} for name, r, fm in SEGMENT_RULES
        ],
        "grid": {"rows": "R", "columns": "FM", "counts": grid_rfm},
        "grid_rf": {"rows": "R", "columns": "F", "counts": grid_rf},
    }
