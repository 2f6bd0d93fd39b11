"""Sepidar's error body and the (Persian) messages the simulator answers with.

Texts in the first group are quoted from sepidar-api.md (PDF appendix, real logs).
The real texts of the second group are not public: the simulator invents plausible
Persian ones in the same style.
"""

BUSINESS = 0  # خطای بیزینس
PROGRAM = 1  # خطای برنامه


class ApiError(Exception):
    """An HTTP error answer in Sepidar's ``{"Type": .., "Message": ..}`` form."""

    def __init__(self, status, message, error_type=BUSINESS, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type
        self.headers = headers or {}  # e.g. ``Allow`` of a 405

    def body(self):
        return {"Type": self.error_type, "Message": self.message}


# Quoted in sepidar-api.md.
ROUTE_NOT_FOUND = "صفحه درخواست شده پیدا نشد."
ALREADY_REGISTERED = "دستگاه در حال حاضر رجیستر شده است."
DEVICE_MISMATCH = "عدم تطابق دستگاه"
DEVICE_NOT_FOUND = "دستگاه پیدا نشد."
DUPLICATE_CODE = "كد تكراری"
API_KEY_MISMATCH = "عدم تطابق كلید API"
BAD_DEVICE_CODE = "كد دستگاه به درستی وارد نشده است"
DEVICE_INVALID = "دستگاه غیر فعال یا نامعتبر است."
TOKEN_INVALID = "خطا در خواندن Token یا امضای Token معتبر نیست."
RELOGIN_NEEDED = "نیاز به ورود مجدد"
VERSION_MISMATCH = "عدم انطباق نسخه دستگاه و سپیدار"
USER_INACTIVE = "كاربر فعال نیست"
WRONG_PASSWORD = "رمز عبور اشتباه است"
USER_DEVICE_MISMATCH = "خطا در انطباق دستگاه و كاربر"
USER_NOT_FOUND = "نام كاربری یافت نشد"
NO_DOCUMENT_GUID = "شناسه سند نباید خالی باشد."
INVALID_ITEM = "كالای نامعتبر"
BAD_DISCOUNT_PARENT = "شناسه كالای مشمول تخفیف پیدا نشد."
MANY_MAIN_ADDRESSES = "مشتری نمی‌تواند چند آدرس اصلی داشته باشد"
ADDRESS_NOT_FOUND = "آدرس مشتری پیدا نشد"
CUSTOMER_NOT_FOUND = "مشتری پیدا نشد."
DOCUMENT_NOT_FOUND = "سند پیدا نشد."
QUOTATION_NOT_FOUND = "پیش‌فاکتور پیدا نشد."
ALREADY_INVOICED = "قبلاً برای تمام اقلام این پیش فاكتور، فاكتور فروش صادر شده است"

# Invented by the simulator.
INVALID_STOCK = "انبار نامعتبر است."
INVALID_SALE_TYPE = "نوع فروش نامعتبر است."
INVALID_CURRENCY = "ارز نامعتبر است."
INVALID_TRACING = "عامل ردیابی کالا نامعتبر است."
INVALID_CITY = "شهر نامعتبر است."
INVALID_QUANTITY = "مقدار کالا باید بیشتر از صفر باشد."
NO_LINES = "سند باید حداقل یک قلم کالا داشته باشد."
DUPLICATE_ROW = "شماره ردیف تکراری است."
LINE_PRICE_MISMATCH = "مبلغ ردیف با حاصل ضرب مقدار در فی برابر نیست."
TOTALS_MISMATCH = "جمع مبالغ سند با جمع مبالغ اقلام برابر نیست."
DUPLICATE_GUID = "رکوردی با این شناسه قبلاً ثبت شده است."
NO_CUSTOMER_GUID = "شناسه مشتری نباید خالی باشد."
NO_CUSTOMER_NAME = "نام مشتری نباید خالی باشد."
INVALID_CUSTOMER_TYPE = "نوع مشتری نامعتبر است."
# Strict rules (knobs.py): a real server's texts for these are not public.
NO_FISCAL_YEAR = "تاریخ سند در هیچ سال مالی تعریف‌شده‌ای نیست."
FISCAL_YEAR_CLOSED = "سال مالی تاریخ سند بسته شده است."
EXPIRATION_BEFORE_DATE = "تاریخ اعتبار پیش‌فاکتور نباید قبل از تاریخ آن باشد."
MAIN_CURRENCY_RATE = "نرخ ارز اصلی باید ۱ باشد."
INVALID_RATE = "نرخ ارز باید بزرگتر از صفر باشد."
NEGATIVE_AMOUNT = "مالیات، عوارض، اضافات و تخفیف ردیف نباید منفی باشند."
DISCOUNT_OVER_PRICE = "تخفیف ردیف نباید از مبلغ ردیف بیشتر باشد."
NO_SECONDARY_UNIT = "کالا واحد فرعی ندارد؛ مقدار فرعی باید صفر باشد."
LEGAL_PERSON_LAST_NAME = "مشتری حقوقی نام خانوادگی ندارد."
# Sepidar refuses an invoice above the customer's credit ceiling (sepidar-api.md
# 9.6); the real text is not public.
CREDIT_CEILING = "مبلغ فاکتور از سقف اعتبار مشتری بیشتر است."
INVOICE_REVOKED = "فاکتور ابطال شده"
NOTHING_TO_SETTLE = "فاکتور بدون مانده"
QUOTATION_CLOSED = "پیش‌فاکتور خاتمه یافته است و فاکتور فروش برای آن صادر نمی‌شود."
# ASP.NET's and SQL Server's own texts (English on real servers too).
SERVER_ERROR = "An error has occurred."
INVALID_REQUEST = "The request is invalid."
UNSUPPORTED_MEDIA_TYPE = (
    "The request entity's media type '{}' is not supported for this resource."
)
METHOD_NOT_ALLOWED = "The requested resource does not support http method '{}'."
# Sepidar's date columns are SQL ``datetime`` (DB scripts), which starts in 1753.
SQL_DATE_OVERFLOW = (
    "SqlDateTime overflow. Must be between 1/1/1753 12:00:00 AM and "
    "12/31/9999 11:59:59 PM."
)
