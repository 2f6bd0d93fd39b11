"""The simulator's tests need no Odoo: pytest-odoo, when it is installed, loads an
Odoo registry before every test session (its autouse ``load_registry`` fixture),
which fails without a database. Overridden here, so that
``python3 -m pytest sepidar_simulator/tests`` runs anywhere; in scripts/test's
phase 1 the other tests load the registry as before.

``sim`` is a simulator in memory with the built-in dataset, ``api`` a registered
and logged-in raw client of it (``common.Api``).
"""

import pytest

from sepidar_simulator import SimulatorServer

from .common import Api


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    yield


@pytest.fixture
def sim():
    server = SimulatorServer(seed=99).start()
    yield server
    server.stop()


@pytest.fixture
def api(sim):
    api = Api(sim.url).setup()
    yield api
    api.http.close()
