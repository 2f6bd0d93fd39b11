from . import test_reports
from . import test_translations
from . import test_portal_summary
from . import test_rtl_reports
from . import test_rpc_surface
from . import test_sepidar_report
from . import test_allocation_story
