"""Run the simulator.

Works as ``python3 addons/car_portal_sepidar/sepidar_simulator/__main__.py ...``,
as ``python -m sepidar_simulator`` from the addon directory, and as
``python -m odoo.addons.car_portal_sepidar.sepidar_simulator`` under Odoo.
"""

import os
import sys

if __package__:
    from .cli import main
else:
    # Run as a file: its own directory heads sys.path. Put the addon directory there
    # instead and import the package by name, so its relative imports work without
    # importing the Odoo addon around it.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from sepidar_simulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
