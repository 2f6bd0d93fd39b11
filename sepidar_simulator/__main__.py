"""Run the simulator.

Works as ``python -m sepidar_simulator ...`` with the repository root on
``PYTHONPATH`` (``scripts/sepidar-simulator`` does that), and as
``python3 sepidar_simulator/__main__.py ...`` from anywhere.
"""

import os
import sys

if __package__:
    from .cli import main
else:
    # Run as a file: its own directory heads sys.path. Put the repository root
    # there instead and import the package by name, so its relative imports work.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from sepidar_simulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
