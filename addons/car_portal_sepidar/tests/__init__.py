# Odoo test modules (run by ``odoo --test-enable`` too). The client and crypto
# tests are plain pytest modules, collected by pytest only. The tests use the
# Sepidar simulator, the top-level package sepidar_simulator/ of the repository:
# pytest finds it (pytest.ini), Odoo's own test runner needs PYTHONPATH=<repo>.
from . import test_sepidar_backend
from . import test_sepidar_catalogue
from . import test_sepidar_credit
from . import test_sepidar_export
from . import test_sepidar_job_locks
from . import test_sepidar_portal
from . import test_sepidar_readback
from . import test_sepidar_restart
from . import test_sepidar_security
from . import test_sepidar_stock
from . import test_translations
