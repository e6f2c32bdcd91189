from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tenure.accounts.models import User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
