"""HTTP client of the Sepidar e-commerce web service (see sepidar-api.md).

One :class:`SepidarClient` talks to one Sepidar device. It is not thread-safe: use one
instance per worker/thread. Persist what :meth:`SepidarClient.register_device` returns
and, to save a round trip per job, the token and the server's API level.
"""

import collections
import functools
import logging
import re
import time
import uuid
from datetime import date, timedelta
from typing import NamedTuple

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from . import crypto
from .exceptions import (
    SepidarAlreadyRegistered,
    SepidarAuthError,
    SepidarConfigError,
    SepidarError,
    SepidarNotFound,
    SepidarTransientError,
    SepidarUnknownOutcome,
    SepidarValidationError,
    SepidarVersionMismatch,
)
from .payloads import (
    format_datetime,
    normalize_inventory,
    normalize_inventory_quantity,
    normalize_item,
)

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5, 30)
_NUMERIC_SEGMENT = re.compile(r"/\d+(?=/|$)")


# Where each kind of document is created (POST).
DOCUMENT_PATHS = {"quotation": "/api/Quotations/", "invoice": "/api/invoices/"}


class PreparedCall(NamedTuple):
    """A request built ahead of its call, with the token it carries."""

    request: requests.PreparedRequest
    token: str


class ServerVersion(NamedTuple):
    """Answer of ``GET /api/General/GenerationVersion``."""

    level: int
    lock_number: str


class DeviceRegistration(NamedTuple):
    """What registration yields; store ``public_key_xml``, it is never sent again."""

    integration_id: int
    public_key_xml: str
    device_title: str


def _normalize_persian(text):
    """Fold Arabic kaf/yeh into Persian ones: the PDF's messages mix both forms."""
    return text.replace("ك", "ک").replace("ي", "ی").strip().rstrip(".").strip()


# Sepidar's fixed error texts (sepidar-api.md sections 2.4, 4.1, 7.1), mapped to the
# class and the English explanation the caller gets. The status code alone is not
# enough: e.g. an already-registered serial and a bad register payload are both 400.
_KNOWN_ERRORS = {
    _normalize_persian(text): value
    for text, value in {
        "دستگاه در حال حاضر رجیستر شده است.": (
            SepidarAlreadyRegistered,
            (
                "This device serial is already registered in Sepidar, and Sepidar "
                "never sends the device key twice. Ask the Sepidar operator to issue "
                "a new serial for the device and register again with it."
            ),
        ),
        "عدم تطابق دستگاه": (
            SepidarAuthError,
            (
                "Sepidar could not decrypt the registration request: the serial "
                "does not match the device."
            ),
        ),
        "دستگاه پیدا نشد.": (
            SepidarAuthError,
            "Sepidar does not know this device: check the serial / IntegrationID.",
        ),
        "كد تكراری": (
            SepidarAuthError,
            "Sepidar rejected a reused request code (ArbitraryCode).",
        ),
        "عدم تطابق كلید API": (
            SepidarAuthError,
            (
                "Sepidar could not verify the request signature: the stored device "
                "key does not match. Register the device again with a new serial."
            ),
        ),
        "كد دستگاه به درستی وارد نشده است": (
            SepidarAuthError,
            "Sepidar could not read the request signature (EncArbitraryCode).",
        ),
        "دستگاه غیر فعال یا نامعتبر است.": (
            SepidarAuthError,
            "The device is inactive or invalid in Sepidar.",
        ),
        "خطا در خواندن Token یا امضای Token معتبر نیست.": (
            SepidarAuthError,
            "Sepidar rejected the login token.",
        ),
        "نیاز به ورود مجدد": (SepidarAuthError, "Sepidar requires a new login."),
        "این endpoint از این نوع دستگاه قابل فراخوانی نیست": (
            SepidarAuthError,
            "This operation is not allowed for the type of this Sepidar device.",
        ),
        "كاربر به منبع درخواست شده دسترسی ندارد.": (
            SepidarAuthError,
            "The Sepidar user lacks the permission for this operation.",
        ),
        "كاربر فعال نیست": (SepidarAuthError, "The Sepidar user is inactive."),
        "رمز عبور اشتباه است": (
            SepidarAuthError,
            "Wrong password for the Sepidar user.",
        ),
        "خطا در انطباق دستگاه و كاربر": (
            SepidarAuthError,
            "The Sepidar user is not bound to this device.",
        ),
        "نام كاربری یافت نشد": (SepidarAuthError, "Unknown Sepidar user name."),
    }.items()
}


class SepidarClient:
    """Client of one registered Sepidar device.

    :param base_url: e.g. ``http://host:7373`` (the ``/api`` prefix is added here).
    :param serial: the 8-character device serial; needed to register, and gives the
        IntegrationID. Alternatively pass ``integration_id`` alone once registered.
    :param generation_version: API level sent in the ``GenerationVersion`` header;
        ``None`` adopts the server's level at the first call.
    :param password: clear password, hashed here; or give ``password_hash``.
    :param public_key: the device's RSA public key (XML or PEM text, or a key object)
        as returned by :meth:`register_device`.
    :param token: a token from a previous :meth:`login`, to skip logging in again.
    :param server_version: the level a previous :meth:`check_version` found, to skip
        that call.
    :param timeout: ``(connect, read)`` seconds applied to every HTTP call.
    """

    def __init__(
        self,
        base_url,
        *,
        serial=None,
        integration_id=None,
        generation_version=None,
        username=None,
        password=None,
        password_hash=None,
        public_key=None,
        token=None,
        server_version=None,
        timeout=DEFAULT_TIMEOUT,
        session=None,
    ):
        self.base_url = base_url.rstrip("/")
        self.serial = crypto.check_serial(serial) if serial else None
        self.integration_id = _integration_id(self.serial, integration_id)
        self.client_version = _optional_int(generation_version)
        self.server_version = _optional_int(server_version)
        self.username = username
        self.password_hash = _password_hash(password, password_hash)
        self.public_key = (
            crypto.load_public_key(public_key)
            if isinstance(public_key, str)
            else public_key
        )
        self.token = token
        self.user_info = None
        self.timeout = timeout
        self.session = session or requests.Session()
        self.counter = collections.Counter()

    @property
    def call_count(self):
        """Number of HTTP requests attempted so far (``counter`` has the breakdown)."""
        return sum(self.counter.values())

    def close(self):
        """Release the pooled HTTP connections."""
        self.session.close()

    # -- device and session ------------------------------------------------------

    def register_device(self):
        """Register the device once and keep its RSA public key.

        A real Sepidar refuses a second registration of the same serial
        (:class:`SepidarAlreadyRegistered`), so persist the result at once.
        """
        if not self.serial:
            raise SepidarConfigError("The device serial is required to register.")
        payload = crypto.build_register_payload(self.serial)
        body = self._send("POST", "/api/Devices/Register", body=payload)
        key_xml = crypto.decrypt_register_response(self.serial, body)
        self.public_key = crypto.public_key_from_xml(key_xml)
        return DeviceRegistration(
            self.integration_id, key_xml, body.get("DeviceTitle") or ""
        )

    def generation_version(self):
        """The server's API level and lock number; needs no headers at all."""
        body = self._send("GET", "/api/General/GenerationVersion")
        level = _field(body, "GenerationVersion")  # a number or a string
        try:
            return ServerVersion(int(level), str(body.get("LockNumber") or ""))
        except ValueError as err:
            raise SepidarError(f"Unexpected Sepidar API level {level!r}.") from err

    def check_version(self):
        """Read the server's API level before the first authenticated call.

        The PDF says any difference gives 412, the OpenAPI file suggests newer
        servers still serve older levels (sepidar-api.md 5.2). So only a level the
        server cannot have (above its own) is refused here; otherwise the server's
        own 412, if any, becomes :class:`SepidarVersionMismatch` with both levels.
        """
        server = self.generation_version()
        self.server_version = server.level
        if self.client_version is not None and self.client_version > server.level:
            raise SepidarVersionMismatch(self.client_version, server.level)
        return server

    def login(self):
        """Log the device's user in and keep the bearer token."""
        if not (self.username and self.password_hash):
            raise SepidarConfigError("A Sepidar user name and password are required.")
        self._ensure_version()
        self.token = None
        body = {"UserName": self.username, "PasswordHash": self.password_hash}
        # Login has no lasting effect, so a lost answer is safe to retry.
        result = self._send(
            "POST",
            "/api/users/login",
            headers=self._device_headers(),
            body=body,
            safe=True,
        )
        self.token = _field(result, "Token")
        self.user_info = result
        return result

    def is_authorized(self):
        """Whether the current token is still accepted (no automatic re-login)."""
        if not self.token:
            return False
        self._ensure_version()
        try:
            result = self._send(
                "GET", "/api/IsAuthorized", headers=self._auth_headers()
            )
        except SepidarAuthError as err:
            if err.status == 401:
                return False
            raise
        return result is True

    # -- reference data ----------------------------------------------------------

    def currencies(self):
        return self._call("GET", "/api/Currencies")

    def sale_types(self):
        return self._call("GET", "/api/SaleTypes")

    def stocks(self):
        return self._call("GET", "/api/Stocks")

    def units(self):
        return self._call("GET", "/api/Units")

    def items(self):
        return [normalize_item(item) for item in self._call("GET", "/api/Items")]

    def item_inventories(self, item_id=None):
        """Stock per item x warehouse x tracing, for all items or one."""
        path = "/api/Items/Inventories/" + (str(item_id) if item_id else "")
        return [normalize_inventory(row) for row in self._call("GET", path)]

    def item_inventory_quantities(self, item_id):
        """Stock/sale/reserved quantities per stock x tracing; old servers: 404."""
        rows = self._call("GET", f"/api/Items/Inventories/Quantity/{int(item_id)}")
        return [normalize_inventory_quantity(row, item_id) for row in rows]

    def price_note_items(self):
        """Price list lines (base currency)."""
        return self._call("GET", "/api/PriceNoteItems")

    def administrative_divisions(self):
        return self._call("GET", "/api/AdministrativeDivisions")

    def customer_groupings(self):
        return self._call("GET", "/api/CustomerGroupings")

    # -- customers ---------------------------------------------------------------

    def customers(self):
        return self._call("GET", "/api/Customers")

    def get_customer(self, customer_id):
        return self._call("GET", f"/api/Customers/{int(customer_id)}")

    def find_customer(self, *, guid=None, code=None, national_id=None, phone=None):
        """First customer matching every given criterion, or ``None``.

        Level 101 has no search endpoint: the whole list is fetched and matched
        here (sepidar-api.md 9.2), so cache where possible.
        """
        wanted = {
            field: _comparable(value)
            for field, value in (
                ("GUID", guid),
                ("Code", code),
                ("NationalID", national_id),
                ("PhoneNumber", phone),
            )
            if value
        }
        if not wanted:
            raise ValueError("find_customer needs at least one criterion")
        return next(
            (
                customer
                for customer in self.customers()
                if all(_comparable(customer.get(f)) == v for f, v in wanted.items())
            ),
            None,
        )

    def create_customer(self, payload):
        """Create a customer; ``payload["GUID"]`` must be the caller's stable GUID."""
        return self._post_document("/api/Customers", payload)

    # -- quotations and invoices -------------------------------------------------

    def quotations(self, from_date, to_date):
        """Quotations dated in the range, without their lines."""
        params = {
            "fromDate": format_datetime(from_date),
            "toDate": format_datetime(to_date),
        }
        return self._call("GET", "/api/Quotations", params=params)

    def get_quotation(self, quotation_id):
        return self._call("GET", f"/api/Quotations/{int(quotation_id)}")

    def find_quotation(self, guid, *, around=None, days=1):
        """Quotation sent with ``guid`` within ``days`` of ``around`` (today).

        Use it after :class:`SepidarUnknownOutcome` before sending again: no unique
        index guards quotation GUIDs in Sepidar's schema (sepidar-api.md 10).
        """
        around = around or date.today()
        quotations = self.quotations(
            around - timedelta(days=days), around + timedelta(days=days)
        )
        return next(
            (q for q in quotations if _comparable(q.get("GUID")) == _comparable(guid)),
            None,
        )

    def create_quotation(self, payload):
        return self._post_document(DOCUMENT_PATHS["quotation"], payload)

    def close_quotation(self, quotation_id):
        """Mark a quotation finished (خاتمه) once it is invoiced or abandoned."""
        self._call("POST", f"/api/Quotations/{int(quotation_id)}/Close/")

    def invoices(self):
        """Sales invoices of the current fiscal year, without their lines."""
        return self._call("GET", "/api/invoices/")

    def get_invoice(self, invoice_id):
        return self._call("GET", f"/api/invoices/{int(invoice_id)}")

    def find_invoices(self, *, quotation_id=None, customer_id=None, price=None):
        """Invoices matching every given field.

        The invoice read model has no GUID (sepidar-api.md 9.6), so an unknown
        outcome is resolved by matching the quotation, or customer and amount.
        """
        wanted = {
            field: value
            for field, value in (
                ("QuotationRef", quotation_id),
                ("CustomerRef", customer_id),
                ("Price", price),
            )
            if value is not None
        }
        return [
            invoice
            for invoice in self.invoices()
            if all(invoice.get(f) == v for f, v in wanted.items())
        ]

    def create_invoice(self, payload):
        """Create a sales invoice; resending its GUID is refused by Sepidar."""
        return self._post_document(DOCUMENT_PATHS["invoice"], payload)

    def document_call(self, kind, payload):
        """The call creating a document of ``kind`` (``quotation`` or
        ``invoice``), built now and sent when called with no argument: the
        same call as :meth:`create_quotation` or :meth:`create_invoice`.

        Building a request (headers, the encrypted code, the JSON body, what
        ``requests`` prepares) takes a fraction of a millisecond; a caller with
        idle time before the call (the posting job, while the previous document
        is on the wire) builds it then, and the call starts at once. Built only
        when the session is open (token and API level known), else at the call.
        """
        path = DOCUMENT_PATHS[kind]
        _check_guid(payload)
        prepared = self._prepare("POST", path, body=payload)
        return functools.partial(self._call, "POST", path, body=payload, ready=prepared)

    def create_invoice_from_quotation(self, quotation_id):
        """Invoice a quotation; a second call fails with "already invoiced" (400)."""
        body = {"QuatationID": int(quotation_id)}  # sic: Sepidar's spelling
        return self._call("POST", "/api/Invoices/BasedOnQuotation/", body=body)

    # -- plumbing ----------------------------------------------------------------

    def _post_document(self, path, payload):
        _check_guid(payload)
        return self._call("POST", path, body=payload)

    def _prepare(self, method, path, *, body=None, params=None):
        """The authenticated request, built now; ``None`` until logged in, or
        when the session reads the environment (proxies, ``.netrc``): then
        ``requests`` builds it at the call, as for any other call.

        Built from the session's headers without its cookie jar, which the
        thread of a call in flight may be filling: the cookies are added when
        the request is sent (:meth:`_send_prepared`).
        """
        if self.token is None or self.server_version is None or self.session.trust_env:
            return None
        request = requests.Request(
            method,
            self.base_url + path,
            headers={**self.session.headers, **self._auth_headers()},
            json=body,
            params=params,
        )
        return PreparedCall(request.prepare(), self.token)

    def _call(self, method, path, *, body=None, params=None, ready=None):
        """Authenticated call; on 401 log in again once and retry once.

        A 401 means Sepidar rejected the call before running it, so the retry is
        safe even for writes. Header/crypto 401s are not told apart: the login
        then fails the same way and raises. ``ready``: the request built
        earlier by :meth:`_prepare`, sent unless the token changed since.
        """
        self._ensure_logged_in()
        if ready is not None and ready.token != self.token:
            ready = None
        try:
            return self._send(
                method,
                path,
                headers=None if ready else self._auth_headers(),
                body=body,
                params=params,
                ready=ready,
            )
        except SepidarAuthError as err:
            if err.status != 401:
                raise
            _logger.info(
                "Sepidar refused the token on %s %s; logging in again", method, path
            )
        self.login()
        return self._send(
            method,
            path,
            headers=self._auth_headers(),
            body=body,
            params=params,
        )

    def _ensure_version(self):
        if self.server_version is None:
            self.check_version()

    def _ensure_logged_in(self):
        self._ensure_version()
        if not self.token:
            self.login()

    def _device_headers(self):
        """The four device headers, with a fresh ArbitraryCode for every request."""
        if self.public_key is None:
            raise SepidarConfigError(
                "The Sepidar device is not registered yet (no RSA key stored)."
            )
        if self.integration_id is None:
            raise SepidarConfigError("The Sepidar IntegrationID is not configured.")
        code = str(uuid.uuid4())
        return {
            "GenerationVersion": str(self.client_version or self.server_version),
            "IntegrationID": str(self.integration_id),
            "ArbitraryCode": code,
            "EncArbitraryCode": crypto.encrypt_arbitrary_code(self.public_key, code),
        }

    def _auth_headers(self):
        headers = self._device_headers()
        headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _send(
        self,
        method,
        path,
        *,
        headers=None,
        body=None,
        params=None,
        safe=None,
        ready=None,
    ):
        """One HTTP exchange; every failure leaves as a :class:`SepidarError`.

        ``safe`` tells whether a lost answer can be retried blindly (default: GET).
        ``ready``: the request already built (:meth:`_prepare`).
        """
        safe = method == "GET" if safe is None else safe
        self.counter[f"{method} {_NUMERIC_SEGMENT.sub('/{id}', path)}"] += 1
        started = time.monotonic()
        try:
            if ready is not None:
                response = self._send_prepared(ready.request)
            else:
                response = self.session.request(
                    method,
                    self.base_url + path,
                    headers=headers,
                    json=body,
                    params=params,
                    timeout=self.timeout,
                )
        except requests.RequestException as err:
            raise self._network_error(err, method, path, body, safe) from err
        _logger.debug(
            "Sepidar %s %s -> %s in %.3fs",
            method,
            path,
            response.status_code,
            time.monotonic() - started,
        )
        if 200 <= response.status_code < 300:
            return _json_body(response)
        raise self._http_error(response)

    def _send_prepared(self, request):
        """What ``Session.request`` does once the request is prepared: the
        session's cookies and settings (proxies, certificates), then send."""
        request.prepare_cookies(self.session.cookies)
        settings = self.session.merge_environment_settings(
            request.url, {}, None, None, None
        )
        return self.session.send(request, timeout=self.timeout, **settings)

    def _network_error(self, err, method, path, body, safe):
        """Tell "nothing happened" apart from "a write may have been committed"."""
        where = f"{method} {path}"
        if isinstance(err, ValueError):  # InvalidURL, MissingSchema, ...
            return SepidarConfigError(f"Invalid Sepidar address {self.base_url!r}.")
        if _failed_before_sending(err):
            return SepidarTransientError(
                f"Could not connect to Sepidar at {self.base_url} ({where}); "
                f"nothing was sent. Try again later."
            )
        if safe:
            return SepidarTransientError(
                f"Sepidar did not answer {where} in time; nothing was changed. "
                f"Try again later."
            )
        return SepidarUnknownOutcome(
            f"Sepidar did not answer {where}: the change may or may not have been "
            f"saved. Look it up before sending it again.",
            method=method,
            path=path,
            guid=body.get("GUID") if isinstance(body, dict) else None,
        )

    def _http_error(self, response):
        status = response.status_code
        body = _json_body(response, strict=False)
        message = body.get("Message") if isinstance(body, dict) else None
        if status == 412:
            return SepidarVersionMismatch(
                self.client_version or self.server_version,
                self.server_version,
                sepidar_message=message,
                body=body,
            )
        known = _KNOWN_ERRORS.get(_normalize_persian(message)) if message else None
        error_class, english = known or _status_error(status)
        return error_class(english, status=status, sepidar_message=message, body=body)


def _check_guid(payload):
    if not payload.get("GUID"):
        raise ValueError("A Sepidar document needs the caller's GUID")


def _status_error(status):
    """Exception class and English text for a status with no known Sepidar text."""
    if status in (401, 403):
        return SepidarAuthError, f"Sepidar refused the request (HTTP {status})."
    if status == 404:
        return SepidarNotFound, "Sepidar could not find the requested record."
    if status == 429 or status >= 500:
        return (
            SepidarTransientError,
            f"Sepidar failed to process the request (HTTP {status}); try again later.",
        )
    if 400 <= status < 500:
        return SepidarValidationError, "Sepidar rejected the data."
    return SepidarError, f"Unexpected answer from Sepidar (HTTP {status})."


def _failed_before_sending(err):
    """True when the TCP connection never opened (refused, DNS, connect timeout)."""
    if isinstance(err, requests.ConnectTimeout):
        return True
    reason = getattr(err.args[0], "reason", None) if err.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def _json_body(response, strict=True):
    """Decoded JSON body; a non-JSON error page is kept as text (``strict=False``)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as err:
        if not strict:
            return response.text[:500]
        raise SepidarError("Sepidar answered with something that is not JSON.") from err


def _field(body, name):
    """A mandatory field of a success answer (guards against a wrong base URL)."""
    if not isinstance(body, dict) or name not in body:
        raise SepidarError(f"Sepidar's answer lacks the {name} field.")
    return body[name]


def _integration_id(serial, integration_id):
    if serial is None:
        return _optional_int(integration_id)
    derived = crypto.integration_id_from_serial(serial)
    if integration_id is not None and int(integration_id) != derived:
        raise SepidarConfigError(
            f"IntegrationID {integration_id} does not match serial {serial} "
            f"(which gives {derived})."
        )
    return derived


def _password_hash(password, password_hash):
    if password_hash:
        return password_hash.lower()
    return crypto.password_hash(password) if password is not None else None


def _optional_int(value):
    return int(value) if value not in (None, "") else None


def _comparable(value):
    return str(value or "").strip().lower()
