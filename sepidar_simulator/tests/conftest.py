"""The simulator's tests need no Odoo: pytest-odoo, when it is installed, loads an
Odoo registry before every test session (its autouse ``load_registry`` fixture),
which fails without a database. Overridden here, so that
``python3 -m pytest sepidar_simulator/tests`` runs anywhere; in scripts/test's
phase 1 the other tests load the registry as before.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    yield
