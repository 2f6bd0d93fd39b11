from . import car_portal_order_decision
from . import car_portal_order_reassign
from . import car_portal_quota_import
