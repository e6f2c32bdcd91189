"""Value dashboard pages (see urls.py)."""

urlpatterns: list = []
