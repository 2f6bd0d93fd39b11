# Odoo test modules (run by ``odoo --test-enable`` too). The client, crypto and
# simulator tests are plain pytest modules, collected by pytest only.
from . import test_sepidar_backend
from . import test_sepidar_export
from . import test_sepidar_security
from . import test_sepidar_stock
from . import test_translations
