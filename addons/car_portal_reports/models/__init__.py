from . import car_portal_jalali_day
