"""Pure-Python client of the Sepidar accounting web service (no Odoo imports)."""

from .client import DEFAULT_TIMEOUT, DeviceRegistration, SepidarClient, ServerVersion
from .crypto import (
    encrypt_arbitrary_code,
    integration_id_from_serial,
    load_public_key,
    password_hash,
    public_key_from_xml,
    public_key_to_pem,
    public_key_to_xml,
)
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
    address_payload,
    customer_payload,
    document_line,
    format_datetime,
    invoice_payload,
    quotation_payload,
    stable_guid,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "DeviceRegistration",
    "SepidarAlreadyRegistered",
    "SepidarAuthError",
    "SepidarClient",
    "SepidarConfigError",
    "SepidarError",
    "SepidarNotFound",
    "SepidarTransientError",
    "SepidarUnknownOutcome",
    "SepidarValidationError",
    "SepidarVersionMismatch",
    "ServerVersion",
    "address_payload",
    "customer_payload",
    "document_line",
    "encrypt_arbitrary_code",
    "format_datetime",
    "integration_id_from_serial",
    "invoice_payload",
    "load_public_key",
    "password_hash",
    "public_key_from_xml",
    "public_key_to_pem",
    "public_key_to_xml",
    "quotation_payload",
    "stable_guid",
]
