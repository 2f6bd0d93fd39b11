"""Protocol-faithful fake of the Sepidar web service, for tests, the demo and
benchmarks: a development tool, not part of the production addons.

Plain Python (standard library and ``cryptography``), no Odoo import. It must not
import the client package of ``car_portal_sepidar`` either: an independent
implementation of the protocol is what makes the client tests a cross-check.
"""

from .backend import Backend
from .dataset import DEMO_DATASET, default_dataset, demo_dataset, load_dataset
from .knobs import Knobs
from .server import SimulatorServer

__all__ = [
    "DEMO_DATASET",
    "Backend",
    "Knobs",
    "SimulatorServer",
    "default_dataset",
    "demo_dataset",
    "load_dataset",
]
