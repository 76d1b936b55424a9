"""Browser tests: the fixtures live in tests/browser.py (loaded for the whole suite by tests/conftest.py)."""

from tests.browser import CHROMIUM, DESKTOP, PHONE

__all__ = ["CHROMIUM", "DESKTOP", "PHONE"]
