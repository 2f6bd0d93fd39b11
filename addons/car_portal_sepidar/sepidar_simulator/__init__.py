"""Protocol-faithful fake of the Sepidar web service, for tests and benchmarks.

It must not import the client package: an independent implementation of the
protocol is what makes the client tests a cross-check.
"""

from .backend import Backend
from .dataset import default_dataset, load_dataset
from .knobs import Knobs
from .server import SimulatorServer

__all__ = ["Backend", "Knobs", "SimulatorServer", "default_dataset", "load_dataset"]
