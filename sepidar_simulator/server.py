"""HTTP front of the simulator (stdlib ``http.server``) and its control endpoints.

``/api/...`` behaves like Sepidar, with the fault knobs applied; every such
request is written to the request log. ``/__sim__/...`` (a path no real Sepidar
has) reads and changes the simulator:

* ``GET /__sim__/state``: counters, documents, devices, knobs;
* ``GET /__sim__/config`` / ``POST /__sim__/config`` ``{knob: value, "seed": n}``;
* ``POST /__sim__/reset`` ``{"devices": false}``: back to the seeded books, with
  an empty request log (and the state folder reset the same way);
* ``POST /__sim__/devices`` ``{"IntegrationID"?, "Title"?, "UserName"?}``: issue a
  serial (a new device, or a new serial for an existing one);
* ``GET /__sim__/requests`` (``?deviations=1``: only requests with deviations)
  and ``DELETE /__sim__/requests``: read and clear the request log.
"""

import contextlib
import functools
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import errors
from .backend import Backend
from .dataset import default_dataset
from .errors import ApiError
from .knobs import Knobs

_logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/__sim__/"


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server that can cut its open keep-alive connections on stop."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, backend):
        super().__init__(address, _Handler)
        self.backend = backend
        self._connections = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        return super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        return super().shutdown_request(request)

    def close_connections(self):
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the client's pooled session
    server_version = "SepidarSimulator"
    timeout = 120  # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True  # headers and body leave in separate writes

    def do_GET(self):
        url = urlsplit(self.path)
        raw_body = self._read_body()
        if url.path.lower().startswith(CONTROL_PREFIX):
            status, body = _control(self.server.backend, self.command, url, raw_body)
            self._reply(status, body)
        else:
            self._api(url, raw_body)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, format, *args):
        _logger.debug("%s %s", self.address_string(), format % args)

    def _api(self, url, raw_body):
        """Serve a Sepidar request, counting the time the simulator itself
        spends on it (what a real server would add to the network's latency)."""
        backend = self.server.backend
        started = time.perf_counter()
        slept = self._serve_api(backend, url, raw_body)
        backend.note_service(time.perf_counter() - started - slept)

    def _serve_api(self, backend, url, raw_body):
        """Serve a Sepidar request with the drawn faults applied around it;
        returns the seconds slept on purpose (latency, timeouts)."""
        faults = backend.draw_faults()
        slept = backend.knobs.latency_ms / 1000
        backend.sleep(slept)
        record = functools.partial(backend.record_request, self.command, url.path)
        if faults.error:
            record(500, fault="error")
            self._reply(500, {"Type": errors.PROGRAM, "Message": errors.SERVER_ERROR})
            return slept
        if faults.timeout:
            slept += backend.knobs.timeout_sleep_ms / 1000
            backend.sleep(backend.knobs.timeout_sleep_ms / 1000)
        headers = {name.lower(): value for name, value in self.headers.items()}
        query = {
            name.lower(): values[0]
            for name, values in parse_qs(url.query, keep_blank_values=True).items()
        }
        reply = backend.handle(self.command, url.path, query, headers, raw_body)
        deviations = [*self._header_deviations(), *reply.deviations]
        fault = "timeout" if faults.timeout else None
        if faults.drop and reply.write and 200 <= reply.status < 300:
            backend.note_drop()
            record(reply.status, deviations, "drop")
            self.close_connection = True  # committed, but the client hears nothing
            return slept
        record(reply.status, deviations, fault)
        self._reply(reply.status, reply.body, reply.headers)
        return slept

    def _header_deviations(self):
        """Headers given twice: the server reads one of them, which one is luck."""
        names = [name.lower() for name in self.headers]
        return [
            f"header {name!r} sent {names.count(name)} times"
            for name in sorted(set(names))
            if names.count(name) > 1
        ]

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, status, body, headers=None):
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout) meanwhile


def _control(backend, method, url, raw_body):
    """Answer a ``/__sim__/`` request: ``(status, JSON body)``."""
    name = url.path.lower()[len(CONTROL_PREFIX) :].strip("/")
    action = _CONTROL_ACTIONS.get((method, name))
    if action is None:
        return 404, {"error": f"unknown control endpoint {method} {url.path}"}
    try:
        body = json.loads(raw_body) if raw_body else {}
        if not isinstance(body, dict):
            raise TypeError("the body must be a JSON object")
        body.update({k: v[0] for k, v in parse_qs(url.query).items()})
        return action(backend, body)
    except ApiError as err:
        return err.status, err.body()
    except KeyError as err:
        return 400, {"error": f"missing field {err.args[0]}"}
    except (TypeError, ValueError) as err:
        return 400, {"error": str(err)}


def _control_configure(backend, body):
    backend.configure(body)
    return 200, backend.knobs.as_dict()


def _control_reset(backend, body):
    backend.reset(devices=bool(body.get("devices")))
    return 200, backend.snapshot()


def _control_issue_serial(backend, body):
    return 201, backend.issue_serial(
        body.get("IntegrationID"), body.get("Title"), body.get("UserName")
    )


def _control_requests(backend, body):
    only = str(body.get("deviations", "")).lower() in ("1", "true", "yes")
    return 200, backend.log.read(deviations_only=only)


def _control_credit(backend, body):
    ceiling = body.get("Ceiling")
    return 200, backend.set_credit_ceiling(
        body["CustomerID"], None if ceiling in (None, "") else float(ceiling)
    )


def _control_payment(backend, body):
    return 200, backend.pay_invoice(body["InvoiceID"], float(body["Amount"]))


def _control_revoke(backend, body):
    return 200, backend.revoke_invoice(body["InvoiceID"])


_CONTROL_ACTIONS = {
    ("POST", "credit"): _control_credit,
    ("POST", "payments"): _control_payment,
    ("POST", "invoices/revoke"): _control_revoke,
    ("GET", "state"): lambda backend, body: (200, backend.snapshot()),
    ("GET", "config"): lambda backend, body: (200, backend.knobs.as_dict()),
    ("POST", "config"): _control_configure,
    ("POST", "reset"): _control_reset,
    ("POST", "devices"): _control_issue_serial,
    ("GET", "requests"): _control_requests,
    ("DELETE", "requests"): lambda backend, body: (
        200,
        {"cleared": backend.log.clear()},
    ),
}


class SimulatorServer:
    """An embeddable simulated Sepidar server.

    ``SimulatorServer(port=0, seed=1, error_rate=0.1).start()`` listens on a free
    port of 127.0.0.1 in a background thread; ``url`` tells where. Knobs are the
    fields of :class:`~.knobs.Knobs`. ``state_dir`` keeps devices, tokens, used
    ArbitraryCodes, documents and the request log in that folder, and reads them
    back at start (a restart then changes nothing for a client); without it all
    lives in memory.
    """

    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        *,
        seed=None,
        dataset=None,
        state_dir=None,
        **knobs,
    ):
        self.host = host
        self.port = port
        dataset = default_dataset() if dataset is None else dataset
        self.backend = Backend(dataset, Knobs().update(knobs), seed, state_dir)
        self._httpd = None
        self._thread = None

    def start(self):
        self._httpd = _HTTPServer((self.host, self.port), self.backend)
        self.port = self._httpd.server_address[1]
        # A short poll keeps stop() quick: shutdown() waits for the next poll.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sepidar-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        """Stop listening and cut open connections (sleeping faults wake up)."""
        if self._httpd is None:
            return
        self.backend.stopping.set()
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = None

    def wait(self):
        """Block until the server thread ends (CLI use)."""
        self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    @property
    def state(self):
        return self.backend.snapshot()

    def configure(self, **knobs):
        self.backend.configure(knobs)

    def reset(self, devices=False):
        self.backend.reset(devices=devices)

    def issue_serial(self, integration_id=None, title=None, user_name=None):
        return self.backend.issue_serial(integration_id, title, user_name)

    def credentials(self):
        return self.backend.credentials()

    def set_credit_ceiling(self, customer_id, ceiling):
        return self.backend.set_credit_ceiling(customer_id, ceiling)

    def pay_invoice(self, invoice_id, amount):
        return self.backend.pay_invoice(invoice_id, amount)

    def revoke_invoice(self, invoice_id):
        return self.backend.revoke_invoice(invoice_id)

    def request_log(self, deviations_only=False):
        """Entries of the request log (see :class:`~.state.RequestLog`)."""
        return self.backend.log.read(deviations_only)

    def deviations(self):
        """``"METHOD /path: deviation"`` for every deviation logged; ``[]`` if none."""
        return [
            f"{entry['method']} {entry['path']}: {text}"
            for entry in self.backend.log.read(deviations_only=True)
            for text in entry["deviations"]
        ]

    def clear_request_log(self):
        return self.backend.log.clear()
