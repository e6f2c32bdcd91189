from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.accounts import audit, services
from tenure.accounts.forms import OrgSettingsForm, StaffForm, TeamForm, TokenForm
from tenure.accounts.models import ApiToken, AuditEntry, OrgSettings, Team, User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "message_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


@require_POST
@login_required
def set_language(request):
    """Remember the signed-in user's language on their record (it follows them everywhere)."""
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@admin_required
def staff_list(request):
    staff = User.objects.prefetch_related("teams").order_by("username")
    return render(request, "accounts/staff_list.html", {"staff": staff, "teams": Team.objects.all()})


@admin_required
def staff_edit(request, pk: int | None = None):
    user = get_object_or_404(User, pk=pk) if pk else None
    if request.method == "POST":
        form = StaffForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if user is None:
                    user = services.staff_create(
                        username=data["username"],
                        role=data["role"],
                        teams=[t.name for t in data["teams"]],
                        password=data["password"] or None,
                        email=data["email"],
                        display_name=data["display_name"],
                        language=data["language"],
                        actor=request.user,
                    )
                    if not data["is_active"]:
                        services.staff_update(user=user, actor=request.user, is_active=False)
                else:
                    if user.pk == request.user.pk and (not data["is_active"] or data["role"] != user.role):
                        raise ValidationError(_("You cannot deactivate yourself or change your own role."))
                    services.staff_update(
                        user=user,
                        actor=request.user,
                        username=data["username"],
                        role=data["role"],
                        teams=list(data["teams"]),
                        password=data["password"] or None,
                        email=data["email"],
                        display_name=data["display_name"],
                        language=data["language"],
                        is_active=data["is_active"],
                    )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": user.username})
                return redirect("accounts:staff")
    else:
        initial = {"language": settings.LANGUAGE_CODE, "is_active": True}
        if user is not None:
            initial = {
                "username": user.username,
                "display_name": user.display_name,
                "email": user.email,
                "role": user.role,
                "teams": user.teams.all(),
                "language": user.language,
                "is_active": user.is_active,
            }
        form = StaffForm(initial=initial)
    return render(request, "accounts/staff_form.html", {"form": form, "member": user})


@admin_required
def team_list(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = form.save()
        audit.record(actor=request.user, action=AuditEntry.Action.CREATE, instance=team, summary=team.name)
        messages.success(request, _("Team %(name)s created.") % {"name": team.name})
        return redirect("accounts:teams")
    teams = Team.objects.prefetch_related("members")
    return render(request, "accounts/team_list.html", {"teams": teams, "form": form})


@admin_required
def org_settings(request):
    org = OrgSettings.current()
    before = audit.snapshot(org)
    form = OrgSettingsForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(
            actor=request.user,
            action=AuditEntry.Action.UPDATE,
            instance=org,
            changes=audit.diff(before, audit.snapshot(org)),
        )
        messages.success(request, _("Settings saved."))
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})


@login_required
def tokens(request):
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.token_create(
            user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        form = TokenForm()
    rows = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/tokens.html", {"form": form, "tokens": rows, "new_key": new_key})


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")


@admin_required
def audit_log(request):
    entries = AuditEntry.objects.select_related("actor", "customer").order_by("-at", "-id")
    model = request.GET.get("model", "").strip()
    actor = request.GET.get("actor", "").strip()
    if model:
        entries = entries.filter(model=model)
    if actor:
        entries = entries.filter(actor__username=actor)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page, "model": model, "actor": actor})
