from . import car_portal_report_common
from . import car_portal_order_report
from . import car_portal_order_line_report
from . import car_portal_dashboard_tile
from . import car_portal_sepidar_report
