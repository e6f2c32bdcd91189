"""base.html's top bar rendered by {% topbar_nav %} and {% topbar_tools %} (tenure_ui) must be exactly
what the old markup rendered: signed in or not, writer or reader, both languages, HTML in the
search typed and in the user's name, with and without a CSRF token."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template import engines
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import translation

from tenure.core.context_processors import nav

OLD_BASE = """{% load static i18n tenure_ui %}<!doctype html>
{% get_current_language as LANG %}
<html lang="{{ LANG }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}{% endblock %} · Tenure</title>
  <link rel="stylesheet" href="{% static 'tenure/tenure.css' %}">
  <link rel="icon" href="{% static 'tenure/favicon.svg' %}">
  <script src="{% static 'vendor/htmx-2.0.11.min.js' %}" defer></script>
  <script src="{% static 'tenure/tenure.js' %}" defer></script>
  {% block head %}{% endblock %}
</head>
<body hx-headers='{"X-CSRFToken": "{{ csrf_token }}"}'>
  <header class="topbar">
    <a class="brand" href="{% cached_url 'core:home' %}">Tenure</a>
    {% if user.is_authenticated %}
    <nav class="mainnav" aria-label="{% translate 'Main' %}">
      <a href="{% cached_url 'customers:list' %}">{% translate "Customers" %}</a>
      <a href="{% cached_url 'customers:duplicates' %}">{% translate "Duplicates" %}</a>
      <a href="{% cached_url 'customers:lookup' %}">{% translate "Caller look-up" %}</a>
      {% block extra_nav %}{% endblock %}
      {% for item in nav_items %}<a href="{{ item.url }}">{{ item.label }}</a>{% endfor %}
    </nav>
    <form class="quicksearch" action="{% cached_url 'customers:list' %}" method="get" role="search">
      <input type="search" name="q" id="quicksearch" value="{{ request.GET.q|default:'' }}" autocomplete="off"
             placeholder="{% translate 'Search: name, pinyin, phone, email, id…  ( / )' %}" aria-label="{% translate 'Search customers' %}"
             hx-get="{% cached_url 'customers:autocomplete' %}" hx-trigger="input changed delay:250ms, search" hx-target="#suggest" hx-sync="this:replace">
      <div id="suggest" class="suggest" role="listbox" aria-label="{% translate 'Suggestions' %}"></div>
    </form>
    <div class="usermenu">
      {% if user.can_write %}<a class="button small" href="{% cached_url 'customers:create' %}">+ {% translate "New customer" %}</a>{% endif %}
      <span class="who">{{ user }}</span>
      <form method="post" action="{% cached_url 'accounts:language' %}" class="inline">{% csrf_token %}
        <input type="hidden" name="next" value="{{ request.get_full_path }}">
        {% if LANG == "en" %}<button name="language" value="zh-hans" class="linkish">中文</button>{% else %}<button name="language" value="en" class="linkish">English</button>{% endif %}
      </form>
      <form method="post" action="{% cached_url 'accounts:logout' %}" class="inline">{% csrf_token %}<button class="linkish">{% translate "Sign out" %}</button></form>
    </div>
    {% endif %}
  </header>
  <main>
    {% for message in messages %}<div class="flash flash-{{ message.tags }}" role="status">{{ message }}</div>{% endfor %}
    {% block content %}{% endblock %}
  </main>
  {% block scripts %}{% endblock %}
</body>
</html>
"""  # noqa: E501

CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _render(template, request, context):
    html = template.render(context, request)
    return CSRF.sub(r"\1", html), html.count("csrfmiddlewaretoken")


@pytest.mark.parametrize("path", ["/customers/", "/customers/?q=%22%3Cb%3E%26x&page=2", "/x/?q=&q=last"])
def test_the_top_bar_is_the_old_markup(agent, analyst, admin_user, path):
    agent.display_name = 'Agent <b>"Zhao"</b> & co'
    agent.save(update_fields=["display_name"])
    old, new = engines["django"].from_string(OLD_BASE), get_template("base.html")
    for user in (agent, analyst, admin_user, AnonymousUser()):
        for language in ("zh-hans", "en"):
            for with_token in (True, False):
                request = RequestFactory().get(path)
                request.user = user
                if with_token:
                    get_token(request)
                with translation.override(language):
                    context = {"messages": [], **nav(request)}
                    html, count = _render(new, request, context)
                    assert (html, count) == _render(old, request, context), (user, language, with_token)
                    if user.is_authenticated:
                        assert count == 2 and "quicksearch" in html
                    if user == agent:
                        assert "&lt;b&gt;&quot;Zhao&quot;&lt;/b&gt; &amp; co" in html


def test_the_page_shows_the_search_and_the_user(client_for, agent):
    body = client_for(agent).get("/customers/?q=%3Cscript%3E").content.decode()
    assert 'value="&lt;script&gt;"' in body and 'name="next" value="/customers/?q=%3Cscript%3E"' in body
