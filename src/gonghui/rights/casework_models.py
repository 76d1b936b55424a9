"""Casework on a request: legal aid, mediation, follow-up (回访) and the worker's rating."""

from django.db import models  # noqa: F401

__all__: list[str] = []
