"""The browser fixtures of tests/e2e, for the casework browser tests (loaded with `pytest_plugins`)."""

from tests.e2e import conftest as e2e

browser = e2e.browser
new_page = e2e.new_page
shots_dir = e2e.shots_dir
