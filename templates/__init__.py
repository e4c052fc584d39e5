"""Bundled templates, one folder per kind of procedure (data, not code)."""
