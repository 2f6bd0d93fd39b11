# Tests of the Sepidar simulator: plain pytest, no Odoo (scripts/test runs them
# in phase 1, `python3 -m pytest sepidar_simulator/tests` alone).
