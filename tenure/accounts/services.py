"""Writes for staff, teams and API tokens."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenure.accounts import audit
from tenure.accounts.models import ApiToken, AuditEntry, Role, Team, User, hash_token


@transaction.atomic
def team_get_or_create(*, name: str) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A team needs a name."})
    team, _ = Team.objects.get_or_create(name=name)
    return team


@transaction.atomic
def staff_create(
    *,
    username: str,
    role: str = Role.AGENT,
    teams: list[str] | None = None,
    password: str | None = None,
    email: str = "",
    display_name: str = "",
    language: str | None = None,
    actor: User | None = None,
) -> User:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {', '.join(Role.values)}."})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"A staff member named {username!r} already exists."})
    user = User(
        username=username,
        role=role,
        email=email,
        display_name=display_name,
        is_staff=role == Role.ADMIN,
        language=language or settings.LANGUAGE_CODE,
    )
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if teams:
        user.teams.set([team_get_or_create(name=t) for t in teams])
    audit.record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=user, summary=f"staff {username} ({role})"
    )
    return user


@transaction.atomic
def staff_update(*, user: User, actor: User | None, **fields) -> User:
    teams = fields.pop("teams", None)
    password = fields.pop("password", None)
    before = audit.snapshot(user, list(fields))
    for name, value in fields.items():
        setattr(user, name, value)
    if "role" in fields:
        user.is_staff = user.role == Role.ADMIN
    if password:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if teams is not None:
        user.teams.set(teams)
    changes = audit.diff(before, audit.snapshot(user, list(fields)))
    if teams is not None:
        changes["teams"] = [None, [t.name for t in teams]]
    if password:
        changes["password"] = ["***", "***"]
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, instance=user, changes=changes)
    return user


@transaction.atomic
def token_create(*, user: User, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """Create an API token; returns it and the key, which is shown once and stored only hashed."""
    days = settings.TENURE_TOKEN_DAYS if days is None else days
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[4:12],
        digest=hash_token(key),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    audit.record(
        actor=user, action=AuditEntry.Action.CREATE, instance=token, summary=f"API token {token.prefix}"
    )
    return token, key


def token_revoke(*, token: ApiToken, actor: User) -> None:
    token.revoked = True
    token.save(update_fields=["revoked", "updated_at"])
    audit.record(
        actor=actor, action=AuditEntry.Action.UPDATE, instance=token, changes={"revoked": [False, True]}
    )
