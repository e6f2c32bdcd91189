"""Both languages are first-class: every catalogue entry is translated into Simplified Chinese, and
the compiled catalogue that ships is the one the .po file describes."""

import gettext
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

LOCALE = Path(__file__).resolve().parents[2] / "locale"
_ENTRY = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$')


def read_po(path: Path) -> list[dict]:
    """A small .po reader: entries with msgid, plural, msgstr(s) and flags (enough for a check)."""
    entries, current, key, flags = [], {}, None, set()
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current:
                current["flags"] = flags
                entries.append(current)
            current, key, flags = {}, None, set()
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif (m := _ENTRY.match(line)) is not None:
            key = m.group(1)
            current[key] = m.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
    return [e for e in entries if e.get("msgid")]


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def test_every_chinese_entry_is_translated_and_not_fuzzy():
    entries = read_po(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [], f"untranslated: {untranslated[:20]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:20]}"


def test_compiled_catalogue_matches_the_po_file():
    entries = read_po(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    with open(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo", "rb") as fh:
        catalog = gettext.GNUTranslations(fh)

    def compiled(e):
        if "msgctxt" in e:
            return catalog.pgettext(unescape(e["msgctxt"]), unescape(e["msgid"]))
        return catalog.gettext(unescape(e["msgid"]))

    stale = [e["msgid"] for e in entries if "msgid_plural" not in e and compiled(e) != unescape(e["msgstr"])]
    assert stale == [], f"django.mo is stale (run make messages): {stale[:10]}"


@pytest.mark.parametrize("language,word", [("zh-hans", "退出"), ("en", "Sign out")])
def test_pages_render_in_the_users_language(agent, language, word):
    agent.language = language
    agent.save()
    c = Client()
    c.force_login(agent)
    body = c.get(reverse("core:home")).content.decode()
    assert word in body and f'lang="{language}"' in body


def test_login_page_follows_the_browser_language(db):
    assert "登录" in Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get(reverse("accounts:login")).content.decode()
    assert "Sign in" in Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("accounts:login")).content.decode()


def test_translation_functions_keep_names_makemessages_knows():
    """xgettext only sees _, gettext, gettext_lazy, pgettext… — an alias like `_lazy` hides strings."""
    root = Path(__file__).resolve().parents[2]
    alias = re.compile(r"import .*\b(n?p?gettext(?:_lazy|_noop)?) as (?!_\b)(\w+)")
    offenders = [
        f"{path.relative_to(root)}: {m.group(0)}"
        for path in root.rglob("*.py")
        for m in alias.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
