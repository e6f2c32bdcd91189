import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenure.accounts.models import AuditEntry
from tenure.customers.models import Customer
from tenure.imports.models import ImportJob

pytestmark = pytest.mark.django_db

CSV = "客户编号,姓名,手机,邮箱,会员等级\nC1,张伟,13812345678,zw@example.com,金卡\nC2,,13900001111,,\nC3,=cmd(),12,,\n"


@pytest.fixture(autouse=True)
def _media_and_eager(settings, tmp_path):
    from tenure.celery_app import app

    settings.MEDIA_ROOT = tmp_path / "media"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def upload(client, text=CSV, name="customers.csv", kind="customers"):
    f = SimpleUploadedFile(name, text.encode("gb18030"), content_type="text/csv")
    return client.post(reverse("imports:index"), {"kind": kind, "file": f})


def test_upload_map_preview_and_run_in_background(client_for, agent, django_capture_on_commit_callbacks):
    c = client_for(agent)
    assert c.get(reverse("imports:index")).status_code == 200
    response = upload(c)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:mapping", args=[job.uid])
    page = c.get(reverse("imports:mapping", args=[job.uid]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "会员等级" in html and 'value="name" selected' in html  # 姓名 pre-mapped to name
    post = {"col_0": "external_id", "col_1": "name", "col_2": "mobile", "col_3": "email", "col_4": ""}
    preview = c.post(reverse("imports:mapping", args=[job.uid]), {**post, "action": "preview"})
    assert preview.status_code == 200 and "A name is required." in preview.content.decode()
    assert not Customer.objects.exists()  # the preview is a dry run
    with django_capture_on_commit_callbacks(execute=True):
        started = c.post(reverse("imports:mapping", args=[job.uid]), {**post, "action": "start"})
    assert started.status_code == 302
    job.refresh_from_db()
    assert job.status == "done" and (job.created, job.rejected) == (1, 2)
    assert Customer.objects.get().owner == agent
    assert AuditEntry.objects.filter(action="import", object_id=str(job.pk)).count() == 1
    status = c.get(reverse("imports:status", args=[job.uid]))
    body = status.content.decode()
    assert status.status_code == 200 and "A name is required." in body
    assert '<td class="num">3</td>' in body  # line numbers shown
    report = c.get(reverse("imports:report", args=[job.uid]))
    content = b"".join(report.streaming_content).decode("utf-8-sig")
    assert report.status_code == 200 and "'=cmd()" in content and content.startswith("line,field,reason")


def test_upload_rejects_other_file_types_and_big_files(client_for, agent, settings):
    c = client_for(agent)
    assert "Upload a .csv" in upload(c, name="x.pdf").content.decode()
    settings.TENURE_IMPORT_MAX_BYTES = 10
    assert "larger than" in upload(c).content.decode()
    assert not ImportJob.objects.exists()


def test_required_column_must_be_mapped(client_for, agent):
    c = client_for(agent)
    upload(c)
    job = ImportJob.objects.get()
    response = c.post(reverse("imports:mapping", args=[job.uid]), {"col_0": "external_id", "action": "start"})
    assert "Choose a column for: name" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "draft"


def test_outsider_cannot_see_another_teams_job(client_for, agent, teammate, outsider):
    upload(client_for(agent))
    job = ImportJob.objects.get()
    out = client_for(outsider)
    for name in ("status", "mapping", "report"):
        assert out.get(reverse(f"imports:{name}", args=[job.uid])).status_code == 404
    assert str(job.uid) not in out.get(reverse("imports:index")).content.decode()
    assert str(job.uid) in mate_index(teammate, client_for)
    mate = client_for(teammate)
    assert mate.get(reverse("imports:status", args=[job.uid])).status_code == 200
    assert mate.get(reverse("imports:mapping", args=[job.uid])).status_code == 404  # only the uploader maps


def mate_index(user, client_for):
    return client_for(user).get(reverse("imports:index")).content.decode()


def test_analyst_cannot_import(client_for, analyst):
    c = client_for(analyst)
    assert c.get(reverse("imports:index")).status_code == 403
    assert upload(c).status_code == 403
    assert not ImportJob.objects.exists()


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("imports:index")).status_code == 302


def test_wrong_method(client_for, agent):
    upload(client_for(agent))
    job = ImportJob.objects.get()
    assert client_for(agent).post(reverse("imports:status", args=[job.uid])).status_code == 405
    assert client_for(agent).delete(reverse("imports:index")).status_code == 405


def test_orders_job_with_create_customers(client_for, agent, django_capture_on_commit_callbacks):
    c = client_for(agent)
    text = "订单号,客户编号,日期,商品编号,数量,单价\nSO1,N1,2024-01-01,A,1,2\n"
    upload(c, text, "o.csv", "orders")
    job = ImportJob.objects.get()
    post = {
        "col_0": "order_id",
        "col_1": "customer_external_id",
        "col_2": "date",
        "col_3": "sku",
        "col_4": "quantity",
        "col_5": "unit_price",
        "create_customers": "on",
        "action": "start",
    }
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("imports:mapping", args=[job.uid]), post)
    job.refresh_from_db()
    assert (job.status, job.created, job.customers_created) == ("done", 1, 1)
    assert Customer.objects.visible_to(agent).get().external_id == "N1"


def test_queued_job_status_polls_with_htmx_fragment(client_for, agent):
    c = client_for(agent)
    upload(c)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    page = c.get(reverse("imports:status", args=[job.uid])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    fragment = c.get(reverse("imports:status", args=[job.uid]), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="job-status"') and "<html" not in fragment


def test_xlsx_upload_reads_headers(client_for, agent):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["客户编号", "姓名"])
    wb.active.append(["C1", "张伟"])
    data = io.BytesIO()
    wb.save(data)
    f = SimpleUploadedFile("c.xlsx", data.getvalue())
    client_for(agent).post(reverse("imports:index"), {"kind": "customers", "file": f})
    job = ImportJob.objects.get()
    assert job.headers == ["客户编号", "姓名"] and job.mapping == {"客户编号": "external_id", "姓名": "name"}
    preview = client_for(agent).post(
        reverse("imports:mapping", args=[job.uid]),
        {"col_0": "external_id", "col_1": "name", "action": "preview"},
    )
    assert preview.context["preview"].created == 1
