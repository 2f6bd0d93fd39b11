"""Devices, users and tokens of the simulated Sepidar (sepidar-api.md 1-4).

Registration hands out the device's RSA key once per serial; every later call
is checked for its headers: ``GenerationVersion`` (412), the device, the
``EncArbitraryCode`` signature, a never-used ``ArbitraryCode`` and the bearer
token (401s). With a state folder, devices (keys included), used codes and
tokens are kept there, so a restart changes nothing for a client.
"""

import dataclasses
import os
import secrets
import time

from . import crypto, errors
from .errors import ApiError
from .ledger import as_int
from .state import CODES

NO_AUTH, DEVICE_AUTH, TOKEN_AUTH = "none", "device", "token"

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

    def as_state(self):
        return {
            "IntegrationID": self.integration_id,
            "Serial": self.serial,
            "Title": self.title,
            "UserName": self.user_name,
            "IsActive": self.active,
            "PrivateKey": (
                crypto.private_key_pem(self.private_key) if self.private_key else None
            ),
        }

    @classmethod
    def from_state(cls, row):
        device = cls(
            row["IntegrationID"],
            row["Serial"],
            row["Title"],
            row["UserName"],
            row.get("IsActive", True),
        )
        if row.get("PrivateKey"):
            device.private_key = crypto.load_private_key(row["PrivateKey"])
        return device


@dataclasses.dataclass
class Session:
    """A login token's owner; ``issued`` is wall-clock time, to outlive restarts."""

    user_name: str
    integration_id: int
    issued: float


class Security:
    """Devices, users and sessions, and the header checks of every call."""

    def __init__(self, dataset, knobs, stats, store=None):
        self.dataset = dataset
        self.knobs = knobs
        self.stats = stats  # the backend's counters (logins, token checks...)
        self.store = store
        self.reset()

    # -- state -------------------------------------------------------------------

    def reset(self):
        """Devices of the dataset, none registered, no session."""
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

    def load(self):
        """Devices, used codes and sessions of the state folder, if it has them."""
        # Stored devices win; a device added to the dataset since is kept too.
        for row in self.store.load("devices") or []:
            self.devices[row["IntegrationID"]] = Device.from_state(row)
        for record in self.store.lines(CODES):
            device = self.devices.get(record["IntegrationID"])
            if device is not None:
                device.used_codes.add(record["Code"])
        sessions = self.store.load("sessions") or []
        self.sessions = {
            row["Token"]: Session(row["UserName"], row["IntegrationID"], row["Issued"])
            for row in sessions
        }

    def save(self):
        """Write devices, codes and sessions whole (after a reset or new serial)."""
        if self.store is None:
            return
        self.save_devices()
        self.store.rewrite_lines(
            CODES,
            [
                {"IntegrationID": device.integration_id, "Code": code}
                for device in self.devices.values()
                for code in sorted(device.used_codes)
            ],
        )
        self.save_sessions()

    def save_devices(self):
        if self.store is not None:
            self.store.save("devices", [d.as_state() for d in self.devices.values()])

    def save_sessions(self):
        if self.store is not None:
            self.store.save(
                "sessions",
                [
                    {
                        "Token": token,
                        "UserName": session.user_name,
                        "IntegrationID": session.integration_id,
                        "Issued": session.issued,
                    }
                    for token, session in self.sessions.items()
                ],
            )

    # -- control -----------------------------------------------------------------

    def issue_serial(self, integration_id=None, title=None, user_name=None):
        """Issue a serial, as Sepidar's "new device" or "get serial" buttons do.

        For an existing device the IntegrationID stays and only the suffix changes;
        its key is dropped so it must register again.
        """
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
        self.save()
        return self.summary(device)

    def summary(self, device):
        return {
            "IntegrationID": device.integration_id,
            "Serial": device.serial,
            "Title": device.title,
            "UserName": device.user_name,
            "Registered": device.private_key is not None,
        }

    def credentials(self):
        """Serials and passwords to print at start-up."""
        return [
            {
                **self.summary(device),
                "Password": self.users[device.user_name.lower()].get("Password"),
            }
            for device in self.devices.values()
        ]

    # -- header checks -----------------------------------------------------------

    def authenticate(self, request, mode):
        """Header checks, in an order the sources leave open (doc section 14, #1).

        Chosen: version (412), device, signature, replay, then token (401s).
        """
        if mode == NO_AUTH:
            return
        request.level = self._check_version(request.headers.get("generationversion"))
        request.device = self._check_device(request.headers.get("integrationid"))
        self._check_signature(request)
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

    def _check_signature(self, request):
        """EncArbitraryCode must decrypt to ArbitraryCode, which is single-use."""
        device, headers = request.device, request.headers
        sent = headers.get("arbitrarycode", "")
        code = sent.strip().lower()
        if sent != code:
            request.note(f"ArbitraryCode {sent!r} is not a lowercase GUID")
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
        elif code in device.used_codes:
            request.note("ArbitraryCode reused (accepted: knob off)")
        if code not in device.used_codes:
            device.used_codes.add(code)
            if self.store is not None:
                record = {"IntegrationID": device.integration_id, "Code": code}
                self.store.append(CODES, record)

    def _check_token(self, request):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and scheme != "Bearer":
            request.note(f"Authorization scheme {scheme!r} (clients send 'Bearer')")
        session = self.sessions.get(token) if scheme.lower() == "bearer" else None
        if session is None or session.integration_id != request.device.integration_id:
            raise ApiError(401, errors.TOKEN_INVALID)
        ttl = self.knobs.token_ttl_s
        every = self.knobs.token_expiry_every_n_calls
        self.stats["token_checks"] += 1
        expired = ttl and time.time() - session.issued > ttl
        if expired or (every and self.stats["token_checks"] % every == 0):
            del self.sessions[token]
            self.save_sessions()
            self.stats["tokens_revoked"] += 1
            raise ApiError(401, errors.RELOGIN_NEEDED)

    def _revoke_sessions(self, integration_id):
        for token, session in list(self.sessions.items()):
            if session.integration_id == integration_id:
                del self.sessions[token]

    # -- device and session endpoints --------------------------------------------

    def register(self, body):
        """``POST /api/Devices/Register``: the device key, once per serial."""
        integration_id = body["IntegrationID"]
        device = self.devices.get(integration_id)
        if device is None:
            raise ApiError(404, errors.DEVICE_NOT_FOUND)
        key = crypto.serial_key(device.serial)
        try:
            plain = crypto.aes_cbc_decrypt(
                key,
                crypto.b64decode(body["IV"]),
                crypto.b64decode(body["Cypher"]),
            )
        except crypto.CryptoError as err:
            raise ApiError(400, errors.DEVICE_MISMATCH) from err
        if plain != str(integration_id).encode("ascii"):
            raise ApiError(400, errors.DEVICE_MISMATCH)
        if device.private_key is not None:
            raise ApiError(400, errors.ALREADY_REGISTERED)
        device.private_key = crypto.new_device_key(self.knobs.rsa_key_bits)
        self.save_devices()
        iv = os.urandom(16)
        xml = crypto.public_key_xml(device.private_key).encode("utf-8")
        return 201, {
            "Cypher": crypto.b64encode(crypto.aes_cbc_encrypt(key, iv, xml)),
            "IV": crypto.b64encode(iv),
            "DeviceTitle": device.title,
        }

    def login(self, request, body):
        """``POST /api/users/login``: a bearer token for the device's user."""
        user = self.users.get(str(body["UserName"] or "").strip().lower())
        if user is None:
            raise ApiError(404, errors.USER_NOT_FOUND)
        if not user.get("IsActive", True):
            raise ApiError(400, errors.USER_INACTIVE)
        sent = str(body["PasswordHash"] or "").lower()  # either hex case works
        if sent != crypto.md5_hex(user["Password"]):
            raise ApiError(401, errors.WRONG_PASSWORD)
        if request.device.user_name.lower() != user["UserName"].lower():
            raise ApiError(403, errors.USER_DEVICE_MISMATCH)
        # Opaque token: real ones are JWTs, but clients must not look inside.
        token = secrets.token_urlsafe(32)
        self.sessions[token] = Session(
            user["UserName"], request.device.integration_id, time.time()
        )
        self.save_sessions()
        self.stats["logins"] += 1
        return 201, {
            "Token": token,
            "UserID": user["UserID"],
            "Title": user["Title"],
            **dict.fromkeys(PERMISSIONS, True),
        }
