from . import car_portal_order_reassign
from . import car_portal_order_reject
