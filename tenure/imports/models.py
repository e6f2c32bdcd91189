"""Import jobs (see services.py)."""
