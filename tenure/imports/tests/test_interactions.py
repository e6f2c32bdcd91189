import pytest

from tenure.imports.tests.helpers import read_report, run_import, write_csv
from tenure.interactions.models import Interaction

pytestmark = pytest.mark.django_db

HEAD = ["客户编号", "类型", "方向", "日期", "目的", "备注", "处理人", "编号"]


def test_interactions_import_and_reimport(tmp_path, customer, agent):
    customer.external_id = "C1"
    customer.save()
    rows = [
        HEAD,
        ["C1", "投诉", "呼入", "2024-03-01 09:30", "退货", "客户不满意", "agent", "I1"],
        ["C1", "电话", "呼出", "2024-03-02", "回访", "", "", ""],
        ["C9", "电话", "", "2024-03-02", "x", "", "", ""],
        ["C1", "飞鸽", "", "2024-03-02", "x", "", "", ""],
        ["C1", "电话", "", "2024-03-02", "", "", "", ""],
        ["C1", "电话", "", "2024-03-02", "x", "", "ghost", ""],
    ]
    path = write_csv(tmp_path / "i.csv", rows)
    report = tmp_path / "r.csv"
    summary = run_import("interactions", path, "--report", report)
    assert (summary["created"], summary["rejected"]) == (2, 4)
    reasons = {r["line"]: (r["field"], r["reason"]) for r in read_report(report)}
    assert reasons["4"][0] == "customer_external_id" and "Unknown customer" in reasons["4"][1]
    assert reasons["5"][0] == "kind"
    assert reasons["6"][0] == "memo"
    assert reasons["7"][0] == "handled_by"
    complaint = Interaction.objects.get(external_id="I1")
    assert (complaint.kind, complaint.direction, complaint.handled_by) == ("complaint", "in", agent)
    again = run_import("interactions", path)
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert Interaction.objects.count() == 2
