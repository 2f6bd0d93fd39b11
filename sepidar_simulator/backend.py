"""The simulated Sepidar service, independent of the HTTP transport.

It owns the devices and sessions (:class:`~.security.Security`), the fault RNG,
the :class:`~.ledger.Ledger`, the optional state folder and the request log, and
answers one request at a time (a real Sepidar is a single desktop process, so
requests are serialised under one lock).

A request goes through what ASP.NET Web API would do: routing (404, or 405 for
a known path and another method), the security headers (412/401), the body's
media type (415) and model binding (400, ``binding.py``), then the business
rules. What a real server would accept but looks like a client bug is noted in
the request's ``deviations`` (see :class:`~.state.RequestLog`).
"""

import dataclasses
import random
import re
import threading
from typing import NamedTuple

from . import accounts, binding, errors
from .errors import PROGRAM, ApiError
from .knobs import Knobs, draw_faults
from .ledger import TABLES, Ledger, as_int, parse_query_date
from .security import DEVICE_AUTH, NO_AUTH, TOKEN_AUTH, Security
from .state import RequestLog, StateStore

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
# Media types ASP.NET Web API's JSON formatter reads.
JSON_MEDIA_TYPES = ("application/json", "text/json")
SECURITY_HEADERS = (
    "generationversion",
    "integrationid",
    "arbitrarycode",
    "encarbitrarycode",
    "authorization",
)


class Route(NamedTuple):
    method: str
    pattern: re.Pattern
    action: str
    auth: str
    write: bool
    model: binding.Model  # the body's, or None: the route reads no body
    query: tuple  # query parameters it reads (lower case)
    knob: str  # bool knob without which the server lacks the route, or None


def _route(
    method,
    pattern,
    action,
    auth=TOKEN_AUTH,
    write=False,
    model=None,
    query=(),
    knob=None,
):
    return Route(method, re.compile(pattern), action, auth, write, model, query, knob)


# Paths are matched lower-cased, without ``/api/`` and the trailing slash, as
# ASP.NET routing is case-insensitive and tolerates the slash; a pattern must
# match the whole path (``items/inventories`` does not take ``.../quantity/1``).
ROUTES = (
    _route("POST", r"devices/register", "register", NO_AUTH, model=binding.REGISTER),
    _route("GET", r"general/generationversion", "generation_version", NO_AUTH),
    _route("POST", r"users/login", "login", DEVICE_AUTH, model=binding.LOGIN),
    _route("GET", r"isauthorized", "is_authorized"),
    _route("GET", "(" + "|".join(REFERENCE_TABLES) + ")", "reference"),
    _route("GET", r"items", "items"),
    _route("GET", r"items/(\d+)", "item"),
    _route("GET", r"items/inventories(?:/(\d+))?", "inventories"),
    _route(
        "GET",
        r"items/inventories/quantity/(\d+)",
        "inventory_quantities",
        knob="quantity_endpoint",
    ),
    _route("GET", r"customers", "customers"),
    _route("GET", r"customers/(\d+)", "customer"),
    _route("POST", r"customers", "create_customer", write=True, model=binding.CUSTOMER),
    _route("GET", r"quotations", "quotations", query=("fromdate", "todate")),
    _route("GET", r"quotations/(\d+)", "quotation"),
    _route(
        "POST",
        r"quotations",
        "create_quotation",
        write=True,
        model=binding.QUOTATION,
    ),
    _route("POST", r"quotations/(\d+)/close", "close_quotation", write=True),
    _route("GET", r"invoices", "invoices"),
    _route("GET", r"invoices/(\d+)", "invoice"),
    _route("POST", r"invoices", "create_invoice", write=True, model=binding.INVOICE),
    _route(
        "POST",
        r"invoices/basedonquotation",
        "invoice_from_quotation",
        write=True,
        model=binding.BASED_ON_QUOTATION,
    ),
)


@dataclasses.dataclass
class Request:
    method: str
    headers: dict  # lower-case names
    query: dict  # lower-case names, first value
    raw_body: bytes
    deviations: list
    level: int = 0
    device: object = None

    def note(self, text):
        self.deviations.append(text)


class Reply(NamedTuple):
    status: int
    body: object
    write: bool  # a successful document write (the only thing worth dropping)
    deviations: tuple = ()
    headers: dict = None


class Backend:
    """State and behaviour of one simulated Sepidar server."""

    def __init__(self, dataset, knobs=None, seed=None, state_dir=None):
        self.dataset = dataset
        self.knobs = knobs or Knobs()
        self.seed = random.randrange(2**32) if seed is None else seed
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.store = StateStore(state_dir) if state_dir else None
        self.log = RequestLog(self.store)
        self.stats = {}
        self.security = Security(dataset, self.knobs, self.stats, self.store)
        self._fresh_books()
        if self.store is not None:
            self._load()

    def _load(self):
        """Read the state folder; write what it lacks, so that it is complete."""
        self.security.load()
        tables = {name: self.store.load(name) for name in TABLES}
        self.ledger.load_tables({k: v for k, v in tables.items() if v is not None})
        self._save(name for name, table in tables.items() if table is None)
        for name, save in (
            ("devices", self.security.save_devices),
            ("sessions", self.security.save_sessions),
        ):
            if not self.store.path(name).exists():
                save()

    @property
    def devices(self):
        return self.security.devices

    @property
    def sessions(self):
        return self.security.sessions

    @property
    def users(self):
        return self.security.users

    # -- life cycle and control --------------------------------------------------

    def _fresh_books(self):
        self.ledger = Ledger(self.dataset, self.knobs)
        self.rng = random.Random(self.seed)
        self.stats.clear()
        self.stats.update(
            {
                "requests": 0,
                "logins": 0,
                "token_checks": 0,
                "tokens_revoked": 0,
                "service_seconds": 0.0,
            }
        )
        self.faults = {"error": 0, "timeout": 0, "drop": 0}

    def reset(self, devices=False):
        """Back to the seeded books and counters, with an empty request log.

        ``devices`` also forgets registrations, used codes and tokens. With a
        state folder, the folder is reset the same way.
        """
        with self.lock:
            self._fresh_books()
            self.log.clear()
            if devices:
                self.security.reset()
                self.security.save()
            self._save(TABLES)

    def configure(self, values):
        """Change knobs at runtime; ``seed`` re-seeds the fault RNG."""
        values = dict(values)
        with self.lock:
            if "seed" in values:
                self.seed = int(values.pop("seed"))
                self.rng = random.Random(self.seed)
            self.knobs.update(values)

    def issue_serial(self, integration_id=None, title=None, user_name=None):
        with self.lock:
            return self.security.issue_serial(integration_id, title, user_name)

    def set_credit_ceiling(self, customer_id, ceiling):
        """Finance sets a customer's credit ceiling (``None``: none)."""
        with self.lock:
            accounts.set_ceiling(self.ledger, int(customer_id), ceiling)
            self._save(self.ledger.changed)
            return self.ledger.customer(int(customer_id), self.knobs.generation_version)

    def pay_invoice(self, invoice_id, amount):
        """A receipt against an invoice, as finance records it in Sepidar."""
        with self.lock:
            accounts.pay(self.ledger, int(invoice_id), amount)
            self._save(self.ledger.changed)
            return self.ledger.invoice(int(invoice_id), self.knobs.generation_version)

    def revoke_invoice(self, invoice_id):
        """Finance revokes (ابطال) an invoice in Sepidar."""
        with self.lock:
            accounts.revoke(self.ledger, int(invoice_id))
            self._save(self.ledger.changed)
            return self.ledger.invoice(int(invoice_id), self.knobs.generation_version)

    def snapshot(self):
        """Counters for tests and benchmarks (``GET /__sim__/state``)."""
        with self.lock:
            ledger = self.ledger
            logged, odd = self.log.counts()
            return {
                "seed": self.seed,
                **self.stats,
                "faults": dict(self.faults),
                "customers": len(ledger.customers),
                "quotations": len(ledger.quotations),
                "invoices": len(ledger.invoices),
                "duplicate_quotation_guids": ledger.duplicate_quotation_guids(),
                "devices": [self.security.summary(d) for d in self.devices.values()],
                "knobs": self.knobs.as_dict(),
                "state_dir": str(self.store.directory) if self.store else None,
                "requests_logged": logged,
                "requests_with_deviations": odd,
            }

    def credentials(self):
        with self.lock:
            return self.security.credentials()

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

    def note_service(self, seconds):
        """Time spent serving an API request, injected sleeps left out."""
        with self.lock:
            self.stats["service_seconds"] += seconds

    def note_drop(self):
        with self.lock:
            self.faults["drop"] += 1

    def record_request(self, method, path, status, deviations=(), fault=None):
        """One line of the request log (the HTTP front calls it for every request)."""
        return self.log.record(method, path, status, deviations, fault)

    def _save(self, tables):
        """Write the ledger tables changed (or given) to the state folder."""
        if self.store is not None:
            for name, table in self.ledger.tables(sorted(tables)).items():
                self.store.save(name, table)
        self.ledger.changed.clear()

    # -- request handling --------------------------------------------------------

    def handle(self, method, path, query, headers, raw_body):
        """Answer one ``/api/...`` request; never raises for client mistakes."""
        with self.lock:
            deviations = []
            try:
                route, args = _match(method, path, self.knobs)
                request = Request(method, headers, query, raw_body, deviations)
                _note_headers(request, route)
                self.security.authenticate(request, route.auth)
                body = self._bind(request, route)
                if body is not None:
                    args = (*args, body)
                status, answer = getattr(self, f"_do_{route.action}")(request, *args)
                reply = Reply(status, answer, route.write, tuple(deviations))
            except ApiError as err:
                reply = Reply(
                    err.status, err.body(), False, tuple(deviations), err.headers
                )
            if self.ledger.changed:
                self._save(self.ledger.changed)
            return reply

    def _bind(self, request, route):
        """The request's body bound to the route's model (``None``: no body)."""
        if route.model is None:
            if request.raw_body.strip():
                request.note(f"a body was sent to {request.method} and ignored")
            return None
        if request.raw_body.strip():
            self._check_media_type(request)
        value = binding.parse(request.raw_body)
        binder = binding.Binder(self.knobs, request.level, request.deviations)
        return binder.bind(value, route.model)

    def _check_media_type(self, request):
        """415 unless the body is declared JSON (Web API picks a formatter by it)."""
        content_type = request.headers.get("content-type", "")
        media, _, parameters = content_type.partition(";")
        media = media.strip().lower()
        if media not in JSON_MEDIA_TYPES:
            if not media:
                text = (
                    "The request contains an entity body but no Content-Type "
                    "header. The inferred media type 'application/octet-stream' "
                    "is not supported for this resource."
                )
            else:
                text = errors.UNSUPPORTED_MEDIA_TYPE.format(media)
            if self.knobs.require_json_content_type:
                raise ApiError(415, text, PROGRAM)
            request.note(f"read as JSON although: {text}")
        elif media != "application/json":
            request.note(f"Content-Type {media} (clients send application/json)")
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            charset = value.strip().strip('"').lower()
            if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
                request.note(f"Content-Type charset {charset!r}, not utf-8")

    # -- device and session endpoints --------------------------------------------

    def _do_register(self, request, body):
        return self.security.register(body)

    def _do_generation_version(self, request):
        return 200, {
            "GenerationVersion": self.knobs.generation_version,
            "LockNumber": self.dataset.get("lock_number", ""),
        }

    def _do_login(self, request, body):
        return self.security.login(request, body)

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

    def _do_inventory_quantities(self, request, item_id):
        return 200, self.ledger.inventory_quantities(int(item_id))

    # -- documents ---------------------------------------------------------------

    def _customers_down(self):
        if self.knobs.customers_down:
            raise ApiError(500, errors.SERVER_ERROR, PROGRAM)

    def _do_customers(self, request):
        self._customers_down()
        return 200, self.ledger.customer_list(request.level)

    def _do_customer(self, request, customer_id):
        self._customers_down()
        return 200, self.ledger.customer(int(customer_id), request.level)

    def _do_create_customer(self, request, body):
        return 201, self.ledger.create_customer(body, request.level)

    def _do_quotations(self, request):
        return 200, self.ledger.quotation_list(
            parse_query_date(request.query.get("fromdate")),
            parse_query_date(request.query.get("todate")),
        )

    def _do_quotation(self, request, quotation_id):
        return 200, self.ledger.quotation(int(quotation_id))

    def _do_create_quotation(self, request, body):
        return 201, self.ledger.create_quotation(body, request.deviations)

    def _do_close_quotation(self, request, quotation_id):
        self.ledger.close_quotation(int(quotation_id))
        return 201, None

    def _do_invoices(self, request):
        return 200, self.ledger.invoice_list(request.level)

    def _do_invoice(self, request, invoice_id):
        return 200, self.ledger.invoice(int(invoice_id), request.level)

    def _do_create_invoice(self, request, body):
        return 201, self.ledger.create_invoice(body, request.level, request.deviations)

    def _do_invoice_from_quotation(self, request, body):
        return 201, self.ledger.invoice_from_quotation(
            body, request.level, request.deviations
        )


def _match(method, path, knobs):
    """The route of ``path``: Sepidar's real 404 body when unknown, 405 when
    the path is known for other methods only (ASP.NET's answer, with Allow).
    A route whose knob is off does not exist (an older server)."""
    normalized = path.lower().rstrip("/")
    allowed = []
    if normalized.startswith("/api/"):
        tail = normalized[len("/api/") :]
        for route in ROUTES:
            if route.knob and not getattr(knobs, route.knob):
                continue
            match = route.pattern.fullmatch(tail)
            if match and route.method == method:
                return route, match.groups()
            if match:
                allowed.append(route.method)
    if allowed:
        raise ApiError(
            405,
            errors.METHOD_NOT_ALLOWED.format(method),
            PROGRAM,
            headers={"Allow": ", ".join(sorted(set(allowed)))},
        )
    raise ApiError(404, errors.ROUTE_NOT_FOUND, PROGRAM)


def _note_headers(request, route):
    """Deviations of the request line and headers (accepted, but odd)."""
    for name in request.query:
        if name not in route.query:
            request.note(f"unknown query parameter {name!r} ignored")
    if route.auth == NO_AUTH:
        sent = [name for name in SECURITY_HEADERS if name in request.headers]
        if sent:
            request.note(f"security headers sent where none is read: {sent}")
    elif route.auth == DEVICE_AUTH and "authorization" in request.headers:
        request.note("Authorization sent to login, which reads none")
