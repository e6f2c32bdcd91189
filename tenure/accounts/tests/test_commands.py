import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tenure.accounts.models import ApiToken, User, hash_token


def test_staff_add_with_team_role_and_password_file(db, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("A-strong-password-9\n")
    call_command("staff", "add", "wang", "--team", "Service", "--role", "manager", "--password-file", str(pw))
    user = User.objects.get(username="wang")
    assert user.role == "manager" and user.check_password("A-strong-password-9")
    assert [t.name for t in user.teams.all()] == ["Service"]


def test_staff_add_rejects_duplicates_and_unreadable_password_file(db, tmp_path):
    call_command("staff", "add", "wang")
    with pytest.raises(CommandError, match="already exists"):
        call_command("staff", "add", "wang")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("staff", "add", "li", "--password-file", str(tmp_path / "missing"))


def test_token_create_prints_a_key_that_is_stored_hashed(db):
    call_command("staff", "add", "api-user")
    out = io.StringIO()
    call_command("token", "create", "api-user", "--days", "7", stdout=out)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(digest=hash_token(key))
    assert token.user.username == "api-user" and token.expires_at is not None
    with pytest.raises(CommandError):
        call_command("token", "create", "nobody")


def test_check_deploy_is_clean_for_documented_production_settings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "x" * 20 + "production-secret-key-that-is-long-enough-0123456789",
        "ALLOWED_HOSTS": "crm.example.com",
        "TENURE_SECURE": "1",
        "TENURE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tenure", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
