"""Every asset the pages use is vendored and collected: nothing comes from a CDN."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import call_command

TEMPLATES = Path(__file__).resolve().parents[2]


def test_vendored_assets_are_found():
    for path in ["vendor/htmx-2.0.11.min.js", "vendor/echarts-6.1.0.min.js", "tenure/tenure.css"]:
        assert finders.find(path), path


def test_collectstatic_builds_a_manifest_with_our_assets(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "tenure/tenure.css" in manifest and "vendor/htmx-2.0.11.min.js" in manifest


def test_no_template_loads_from_another_host():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"""(src|href)=["']https?://""", text):
            offenders.append(str(template))
    assert offenders == []
