import pytest

from .support import grant_assistance


@pytest.fixture
def rights(tree):
    """Give the assistance right to the city admin and the district-A / union-A1 officers."""
    grant_assistance(tree, tree.city_admin, tree.officer_a, tree.officer_a1)
    return tree
