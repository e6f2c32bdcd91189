"""Import pages: upload, map columns (with a dry-run preview), follow the background job; and the
customer CSV export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tenure.customers.exporting import export_customers_response
from tenure.imports.forms import MappingForm, UploadForm
from tenure.imports.models import ImportJob
from tenure.imports.services import ImportFailed, job_create, job_preview, job_start


def _writer(request):
    if not request.user.can_write:
        raise PermissionDenied(_("Analysts cannot import data."))


def _job_for(user, uid) -> ImportJob:
    try:
        return ImportJob.objects.visible_to(user).select_related("created_by").get(uid=uid)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404("No such import") from None


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    _writer(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = job_create(
                kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], actor=request.user
            )
        except ImportFailed as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("imports:mapping", uid=job.uid)
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by")[:50]
    return render(request, "imports/index.html", {"form": form, "jobs": jobs})


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request, uid):
    _writer(request)
    job = _job_for(request.user, uid)
    if job.created_by_id != request.user.pk:
        raise Http404("No such import")
    if job.status != ImportJob.Status.DRAFT:
        return redirect(job)
    form = MappingForm(request.POST or None, job=job)
    preview = None
    if request.method == "POST" and form.is_valid():
        create = bool(form.cleaned_data.get("create_customers"))
        try:
            if request.POST.get("action") == "start":
                job_start(job=job, mapping=form.mapping(), create_customers=create, actor=request.user)
                messages.success(request, _("The import has started."))
                return redirect(job)
            job.create_customers = create
            preview = job_preview(job=job, mapping=form.mapping())
        except ImportFailed as exc:
            form.add_error(None, str(exc))
    return render(request, "imports/mapping.html", {"job": job, "form": form, "preview": preview})


@login_required
@require_GET
def status(request, uid):
    _writer(request)
    job = _job_for(request.user, uid)
    template = "imports/_status.html" if request.headers.get("HX-Request") else "imports/status.html"
    return render(request, template, {"job": job})


@login_required
@require_GET
def report(request, uid):
    _writer(request)
    job = _job_for(request.user, uid)
    if not job.report:
        raise Http404("No report")
    return FileResponse(
        job.report.open("rb"),
        as_attachment=True,
        filename=f"rejected-{job.filename.rsplit('.', 1)[0]}.csv",
        content_type="text/csv; charset=utf-8",
    )


@login_required
@require_GET
def export_customers(request):
    """The customer list as CSV: the same search and filters as the list page it is linked from
    (its export link carries the page's query), every match rather than a page, streamed in id
    order."""
    from tenure.customers.selectors import customer_list
    from tenure.customers.views import FILTER_KEYS

    q = request.GET.get("q", "").strip()[:200]
    filters = {key: request.GET.get(key, "").strip() for key in FILTER_KEYS}
    sort = request.GET.get("sort", "-id")
    queryset = customer_list(request.user, q=q, filters=filters, sort=sort, all_matches=True)
    return export_customers_response(queryset, "customers.csv")
