from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from tenure.accounts.models import ApiToken, hash_token


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; the key is compared by its SHA-256, never stored in clear."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        try:
            token = ApiToken.objects.select_related("user").get(digest=hash_token(key))
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.is_valid:
            raise exceptions.AuthenticationFailed(_("Token expired or revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
