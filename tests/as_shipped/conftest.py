"""The as-shipped tests run on the database that ``scripts/serve`` builds, with
its demo logins and nothing added: ``scripts/test`` builds it, starts the
Sepidar simulator the database is registered with, and runs this folder on it
in a pytest run of its own (phase 2). The suite's own run (phase 1) ignores
this folder: its database is built by the tests' fixtures, not by serve.
"""

import os

import pytest


def pytest_configure(config):
    database = config.getoption("--odoo-database", default=None)
    if database and os.environ.get("CAR_PORTAL_AS_SHIPPED_DB") != database:
        raise pytest.UsageError(
            "tests/as_shipped runs on a database built by scripts/serve: run it "
            "with `scripts/test tests/as_shipped`, or ignore it "
            "(--ignore=tests/as_shipped) on any other database."
        )
