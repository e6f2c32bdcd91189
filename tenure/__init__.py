"""Tenure: an open-source, retention-first CRM."""

__version__ = "0.1.0"
