from . import controllers
from . import report
