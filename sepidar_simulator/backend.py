"""The simulated Sepidar service, independent of the HTTP transport.

It owns devices, users, tokens, the fault RNG and the :class:`~.ledger.Ledger`, and
answers one request at a time (a real Sepidar is a single desktop process, so
requests are serialised under one lock).
"""

import dataclasses
import json
import os
import random
import re
import secrets
import threading
import time
from typing import NamedTuple

from . import crypto, errors
from .errors import PROGRAM, ApiError
from .knobs import Knobs, draw_faults
from .ledger import Ledger, as_int, as_object, parse_date

NO_AUTH, DEVICE_AUTH, TOKEN_AUTH = "none", "device", "token"

# URL segment -> Ledger reference table, for the plain list endpoints.
REFERENCE_TABLES = {
    "currencies": "currencies",
    "saletypes": "sale_types",
    "stocks": "stocks",
    "units": "units",
    "administrativedivisions": "administrative_divisions",
    "customergroupings": "customer_groupings",
    "pricenoteitems": "price_note_items",
}

# Login answer flags of level 101; the simulated user may do everything.
PERMISSIONS = (
    "CanEditCustomer",
    "CanRegisterCustomer",
    "CanRegisterOrder",
    "CanRegisterReturnOrder",
    "CanRegisterInvoice",
    "CanRegisterReturnInvoice",
    "CanPrintInvoice",
    "CanPrintReturnInvoice",
    "CanPrintInvoiceBeforeSend",
    "CanPrintReturnInvoiceBeforeSend",
    "CanRevokeInvoice",
)


class Route(NamedTuple):
    method: str
    pattern: re.Pattern
    action: str
    auth: str
    write: bool


def _route(method, pattern, action, auth=TOKEN_AUTH, write=False):
    return Route(method, re.compile(pattern), action, auth, write)


# Paths are matched lower-cased, without ``/api/`` and the trailing slash, as
# ASP.NET routing is case-insensitive and tolerates the slash.
ROUTES = (
    _route("POST", r"devices/register", "register", NO_AUTH),
    _route("GET", r"general/generationversion", "generation_version", NO_AUTH),
    _route("POST", r"users/login", "login", DEVICE_AUTH),
    _route("GET", r"isauthorized", "is_authorized"),
    _route("GET", "(" + "|".join(REFERENCE_TABLES) + ")", "reference"),
    _route("GET", r"items", "items"),
    _route("GET", r"items/(\d+)", "item"),
    _route("GET", r"items/inventories(?:/(\d+))?", "inventories"),
    _route("GET", r"customers", "customers"),
    _route("GET", r"customers/(\d+)", "customer"),
    _route("POST", r"customers", "create_customer", write=True),
    _route("GET", r"quotations", "quotations"),
    _route("GET", r"quotations/(\d+)", "quotation"),
    _route("POST", r"quotations", "create_quotation", write=True),
    _route("POST", r"quotations/(\d+)/close", "close_quotation", write=True),
    _route("GET", r"invoices", "invoices"),
    _route("GET", r"invoices/(\d+)", "invoice"),
    _route("POST", r"invoices", "create_invoice", write=True),
    _route("POST", r"invoices/basedonquotation", "invoice_from_quotation", write=True),
)


@dataclasses.dataclass
class Device:
    """A device defined in Sepidar; it holds a private key once registered."""

    integration_id: int
    serial: str
    title: str
    user_name: str
    active: bool = True
    private_key: object = None
    used_codes: set = dataclasses.field(default_factory=set)


class Session(NamedTuple):
    user_name: str
    integration_id: int
    issued: float


@dataclasses.dataclass
class Request:
    method: str
    headers: dict  # lower-case names
    query: dict  # lower-case names, first value
    raw_body: bytes
    level: int = 0
    device: Device = None

    def json(self):
        try:
            return json.loads(self.raw_body or b"null")
        except ValueError as err:
            raise ApiError(400, errors.INVALID_REQUEST, PROGRAM) from err


class Reply(NamedTuple):
    status: int
    body: object
    write: bool  # a successful document write (the only thing worth dropping)


class Backend:
    """State and behaviour of one simulated Sepidar server."""

    def __init__(self, dataset, knobs=None, seed=None):
        self.dataset = dataset
        self.knobs = knobs or Knobs()
        self.seed = random.randrange(2**32) if seed is None else seed
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.reset(devices=True)

    # -- life cycle and control --------------------------------------------------

    def reset(self, devices=False):
        """Back to the seeded books and counters; ``devices`` also forgets keys."""
        with self.lock:
            self.ledger = Ledger(self.dataset, self.knobs)
            self.rng = random.Random(self.seed)
            self.stats = {
                "requests": 0,
                "logins": 0,
                "token_checks": 0,
                "tokens_revoked": 0,
            }
            self.faults = {"error": 0, "timeout": 0, "drop": 0}
            if devices:
                self.users = {u["UserName"].lower(): u for u in self.dataset["users"]}
                self.devices = {
                    d["IntegrationID"]: Device(
                        d["IntegrationID"],
                        d["Serial"],
                        d["Title"],
                        d["UserName"],
                        d.get("IsActive", True),
                    )
                    for d in self.dataset["devices"]
                }
                self.sessions = {}

    def configure(self, values):
        """Change knobs at runtime; ``seed`` re-seeds the fault RNG."""
        values = dict(values)
        with self.lock:
            if "seed" in values:
                self.seed = int(values.pop("seed"))
                self.rng = random.Random(self.seed)
            self.knobs.update(values)

    def issue_serial(self, integration_id=None, title=None, user_name=None):
        """Issue a serial, as Sepidar's "new device" or "get serial" buttons do.

        For an existing device the IntegrationID stays and only the suffix changes;
        its key is dropped so it must register again.
        """
        with self.lock:
            device = self.devices.get(as_int(integration_id))
            if device is None:
                new_id = as_int(integration_id) or max(self.devices, default=999) + 1
                user = user_name or next(iter(self.users.values()))["UserName"]
                device = Device(new_id, "", title or f"دستگاه {new_id}", user)
                self.devices[new_id] = device
            old = device.serial
            while device.serial == old:
                device.serial = f"{device.integration_id}{secrets.token_hex(2)}"
            device.private_key = None
            device.used_codes.clear()
            self._revoke_sessions(device.integration_id)
            return self._device_summary(device)

    def snapshot(self):
        """Counters for tests and benchmarks (``GET /__sim__/state``)."""
        with self.lock:
            ledger = self.ledger
            return {
                "seed": self.seed,
                **self.stats,
                "faults": dict(self.faults),
                "customers": len(ledger.customers),
                "quotations": len(ledger.quotations),
                "invoices": len(ledger.invoices),
                "duplicate_quotation_guids": ledger.duplicate_quotation_guids(),
                "devices": [self._device_summary(d) for d in self.devices.values()],
                "knobs": self.knobs.as_dict(),
            }

    def credentials(self):
        """Serials and passwords to print at start-up."""
        with self.lock:
            return [
                {
                    **self._device_summary(device),
                    "Password": self.users[device.user_name.lower()].get("Password"),
                }
                for device in self.devices.values()
            ]

    def sleep(self, seconds):
        """Sleep that ends early when the server stops."""
        if seconds > 0:
            self.stopping.wait(seconds)

    def draw_faults(self):
        """Faults of the next API request (every API request comes here first)."""
        with self.lock:
            self.stats["requests"] += 1
            faults = draw_faults(self.rng, self.knobs)
            if faults.error:
                self.faults["error"] += 1
            elif faults.timeout:
                self.faults["timeout"] += 1
            return faults

    def note_drop(self):
        with self.lock:
            self.faults["drop"] += 1

    # -- request handling --------------------------------------------------------

    def handle(self, method, path, query, headers, raw_body):
        """Answer one ``/api/...`` request; never raises for client mistakes."""
        with self.lock:
            try:
                route, args = _match(method, path)
                request = Request(method, headers, query, raw_body)
                self._authenticate(request, route.auth)
                status, body = getattr(self, f"_do_{route.action}")(request, *args)
                return Reply(status, body, route.write)
            except ApiError as err:
                return Reply(err.status, err.body(), False)

    def _authenticate(self, request, mode):
        """Header checks, in an order the sources leave open (doc section 14, #1).

        Chosen: version (412), device, signature, replay, then token (401s).
        """
        if mode == NO_AUTH:
            return
        request.level = self._check_version(request.headers.get("generationversion"))
        request.device = self._check_device(request.headers.get("integrationid"))
        self._check_signature(request.device, request.headers)
        if mode == TOKEN_AUTH:
            self._check_token(request)

    def _check_version(self, raw):
        level = as_int(raw)
        knobs = self.knobs
        if knobs.version_policy == "exact":
            accepted = level == knobs.generation_version
        else:
            accepted = level is not None and (
                knobs.min_generation_version <= level <= knobs.generation_version
            )
        if not accepted:
            raise ApiError(412, errors.VERSION_MISMATCH)
        return level

    def _check_device(self, raw):
        device = self.devices.get(as_int(raw))
        if device is None:
            raise ApiError(401, errors.DEVICE_NOT_FOUND)
        if not device.active or device.private_key is None:
            raise ApiError(401, errors.DEVICE_INVALID)
        return device

    def _check_signature(self, device, headers):
        """EncArbitraryCode must decrypt to ArbitraryCode, which is single-use."""
        code = headers.get("arbitrarycode", "").strip().lower()
        try:
            decrypted = crypto.decrypt_arbitrary_code(
                device.private_key, headers.get("encarbitrarycode", "")
            )
        except crypto.CryptoError as err:
            raise ApiError(401, errors.BAD_DEVICE_CODE) from err
        if decrypted != code:
            raise ApiError(401, errors.API_KEY_MISMATCH)
        if self.knobs.enforce_unique_arbitrary_code:
            if code in device.used_codes:
                raise ApiError(401, errors.DUPLICATE_CODE)
            device.used_codes.add(code)

    def _check_token(self, request):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        session = self.sessions.get(token) if scheme.lower() == "bearer" else None
        if session is None or session.integration_id != request.device.integration_id:
            raise ApiError(401, errors.TOKEN_INVALID)
        ttl = self.knobs.token_ttl_s
        every = self.knobs.token_expiry_every_n_calls
        self.stats["token_checks"] += 1
        expired = ttl and time.monotonic() - session.issued > ttl
        if expired or (every and self.stats["token_checks"] % every == 0):
            del self.sessions[token]
            self.stats["tokens_revoked"] += 1
            raise ApiError(401, errors.RELOGIN_NEEDED)

    def _revoke_sessions(self, integration_id):
        for token, session in list(self.sessions.items()):
            if session.integration_id == integration_id:
                del self.sessions[token]

    def _device_summary(self, device):
        return {
            "IntegrationID": device.integration_id,
            "Serial": device.serial,
            "Title": device.title,
            "UserName": device.user_name,
            "Registered": device.private_key is not None,
        }

    # -- device and session endpoints --------------------------------------------

    def _do_register(self, request):
        body = as_object(request.json())
        integration_id = as_int(body.get("IntegrationID"))  # number or string
        device = self.devices.get(integration_id)
        if device is None:
            raise ApiError(404, errors.DEVICE_NOT_FOUND)
        key = crypto.serial_key(device.serial)
        try:
            plain = crypto.aes_cbc_decrypt(
                key,
                crypto.b64decode(body.get("IV")),
                crypto.b64decode(body.get("Cypher")),
            )
        except crypto.CryptoError as err:
            raise ApiError(400, errors.DEVICE_MISMATCH) from err
        if plain != str(integration_id).encode("ascii"):
            raise ApiError(400, errors.DEVICE_MISMATCH)
        if device.private_key is not None:
            raise ApiError(400, errors.ALREADY_REGISTERED)
        device.private_key = crypto.new_device_key(self.knobs.rsa_key_bits)
        iv = os.urandom(16)
        xml = crypto.public_key_xml(device.private_key).encode("utf-8")
        return 201, {
            "Cypher": crypto.b64encode(crypto.aes_cbc_encrypt(key, iv, xml)),
            "IV": crypto.b64encode(iv),
            "DeviceTitle": device.title,
        }

    def _do_generation_version(self, request):
        return 200, {
            "GenerationVersion": self.knobs.generation_version,
            "LockNumber": self.dataset.get("lock_number", ""),
        }

    def _do_login(self, request):
        body = as_object(request.json())
        user = self.users.get(str(body.get("UserName") or "").strip().lower())
        if user is None:
            raise ApiError(404, errors.USER_NOT_FOUND)
        if not user.get("IsActive", True):
            raise ApiError(400, errors.USER_INACTIVE)
        sent = str(body.get("PasswordHash") or "").lower()  # either hex case works
        if sent != crypto.md5_hex(user["Password"]):
            raise ApiError(401, errors.WRONG_PASSWORD)
        if request.device.user_name.lower() != user["UserName"].lower():
            raise ApiError(403, errors.USER_DEVICE_MISMATCH)
        # Opaque token: real ones are JWTs, but clients must not look inside.
        token = secrets.token_urlsafe(32)
        self.sessions[token] = Session(
            user["UserName"], request.device.integration_id, time.monotonic()
        )
        self.stats["logins"] += 1
        return 201, {
            "Token": token,
            "UserID": user["UserID"],
            "Title": user["Title"],
            **dict.fromkeys(PERMISSIONS, True),
        }

    def _do_is_authorized(self, request):
        return 200, True

    # -- reference data ----------------------------------------------------------

    def _do_reference(self, request, segment):
        return 200, self.ledger.reference(REFERENCE_TABLES[segment], request.level)

    def _do_items(self, request):
        return 200, self.ledger.item_list()

    def _do_item(self, request, item_id):
        return 200, self.ledger.item(int(item_id))

    def _do_inventories(self, request, item_id=None):
        return 200, self.ledger.inventory(as_int(item_id))

    # -- documents ---------------------------------------------------------------

    def _do_customers(self, request):
        return 200, self.ledger.customer_list(request.level)

    def _do_customer(self, request, customer_id):
        return 200, self.ledger.customer(int(customer_id), request.level)

    def _do_create_customer(self, request):
        return 201, self.ledger.create_customer(request.json(), request.level)

    def _do_quotations(self, request):
        return 200, self.ledger.quotation_list(
            parse_date(request.query.get("fromdate")),
            parse_date(request.query.get("todate")),
        )

    def _do_quotation(self, request, quotation_id):
        return 200, self.ledger.quotation(int(quotation_id))

    def _do_create_quotation(self, request):
        return 201, self.ledger.create_quotation(request.json())

    def _do_close_quotation(self, request, quotation_id):
        self.ledger.close_quotation(int(quotation_id))
        return 201, None

    def _do_invoices(self, request):
        return 200, self.ledger.invoice_list(request.level)

    def _do_invoice(self, request, invoice_id):
        return 200, self.ledger.invoice(int(invoice_id), request.level)

    def _do_create_invoice(self, request):
        return 201, self.ledger.create_invoice(request.json(), request.level)

    def _do_invoice_from_quotation(self, request):
        return 201, self.ledger.invoice_from_quotation(request.json(), request.level)


def _match(method, path):
    """Find the route of ``path``; unknown ones get Sepidar's real 404 body."""
    normalized = path.lower().rstrip("/")
    if normalized.startswith("/api/"):
        tail = normalized[len("/api/") :]
        for route in ROUTES:
            match = route.pattern.fullmatch(tail)
            if match and route.method == method:
                return route, match.groups()
    raise ApiError(404, errors.ROUTE_NOT_FOUND, PROGRAM)
