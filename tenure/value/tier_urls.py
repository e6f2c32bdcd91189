"""Tier pages (see urls.py)."""

urlpatterns: list = []
