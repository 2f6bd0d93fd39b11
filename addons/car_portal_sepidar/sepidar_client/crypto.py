"""Cryptography of the Sepidar device protocol (sepidar-api.md sections 2, 3 and 4).

Sepidar authenticates a *device*, not a channel (it speaks plain HTTP):

* registration is AES-128-CBC encrypted with a key derived from the 8-character serial
  the operator reads in Sepidar, and answers with the device's RSA public key;
* every later call proves possession of that key by RSA-encrypting a fresh GUID
  (``ArbitraryCode`` / ``EncArbitraryCode``);
* the user's password travels as an MD5 hex digest.
"""

import base64
import binascii
import hashlib
import os
import uuid
from xml.etree import ElementTree

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .exceptions import SepidarConfigError, SepidarError

SERIAL_LENGTH = 8
AES_BLOCK_BITS = 128


def check_serial(serial):
    """Reject anything that cannot be a Sepidar device serial.

    A serial is 8 ASCII characters, the first 4 decimal digits (the IntegrationID).
    Its case matters (it is used verbatim as key material), so it is not normalised.
    """
    if (
        not isinstance(serial, str)
        or len(serial) != SERIAL_LENGTH
        or not serial.isascii()
        or not serial[:4].isdigit()
    ):
        raise SepidarConfigError(
            f"Invalid Sepidar device serial {serial!r}: expected 8 characters, "
            f"the first 4 being digits (for example 10017ff3)."
        )
    return serial


def integration_id_from_serial(serial):
    """IntegrationID = the serial's first 4 characters as an integer [H]."""
    return int(check_serial(serial)[:4])


def aes_key_from_serial(serial):
    """AES-128 key = the serial written twice, as ASCII bytes [H].

    Not hex-decoded and not hashed. Some clients try AES-256 or MD5(key) variants
    (sepidar-api.md section 13); none of them matches the real register payloads.
    """
    return (check_serial(serial) * 2).encode("ascii")


def aes_encrypt(key, iv, plaintext):
    """AES-CBC with PKCS#7 padding, as Sepidar's .NET side uses by default."""
    padder = block_padding.PKCS7(AES_BLOCK_BITS).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = _aes_cipher(key, iv).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def aes_decrypt(key, iv, ciphertext):
    """Inverse of :func:`aes_encrypt`; raises ``ValueError`` on a wrong key/IV."""
    decryptor = _aes_cipher(key, iv).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = block_padding.PKCS7(AES_BLOCK_BITS).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def _aes_cipher(key, iv):
    return Cipher(algorithms.AES(key), modes.CBC(iv), backend=default_backend())


def build_register_payload(serial, iv=None):
    """Body of ``POST /api/Devices/Register``.

    ``Cypher`` is the AES encryption of the IntegrationID's ASCII digits. The
    IntegrationID is sent as a JSON number, as the PDF and the OpenAPI file declare;
    the official C#/Python samples send a string, which the server accepts as well.
    """
    integration_id = integration_id_from_serial(serial)
    iv = os.urandom(16) if iv is None else iv
    cypher = aes_encrypt(aes_key_from_serial(serial), iv, str(integration_id).encode())
    return {
        "Cypher": _b64(cypher),
        "IV": _b64(iv),
        "IntegrationID": integration_id,
    }


def decrypt_register_response(serial, body):
    """Return the ``RSAKeyValue`` XML hidden in a register response."""
    try:
        ciphertext = base64.b64decode(body["Cypher"], validate=True)
        iv = base64.b64decode(body["IV"], validate=True)
        plaintext = aes_decrypt(aes_key_from_serial(serial), iv, ciphertext)
        return plaintext.decode("utf-8")
    except (KeyError, TypeError, ValueError, binascii.Error) as err:
        raise SepidarError(
            "Could not decrypt Sepidar's device registration answer; "
            "check that the serial is typed exactly as Sepidar shows it."
        ) from err


def public_key_from_xml(xml_text):
    """Build an RSA public key from .NET ``<RSAKeyValue>`` XML (base64, big-endian)."""
    try:
        root = ElementTree.fromstring(xml_text.strip())
        modulus = _b64_to_int(root.findtext("Modulus"))
        exponent = _b64_to_int(root.findtext("Exponent"))
        return rsa.RSAPublicNumbers(exponent, modulus).public_key(default_backend())
    except (ElementTree.ParseError, TypeError, ValueError, binascii.Error) as err:
        raise SepidarConfigError(
            "The stored Sepidar RSA key is not valid XML."
        ) from err


def public_key_to_xml(public_key):
    """Serialise a public key the way Sepidar sends it (compact, no declaration)."""
    numbers = public_key.public_numbers()
    return (
        f"<RSAKeyValue><Modulus>{_int_to_b64(numbers.n)}</Modulus>"
        f"<Exponent>{_int_to_b64(numbers.e)}</Exponent></RSAKeyValue>"
    )


def public_key_to_pem(public_key):
    """PEM (SubjectPublicKeyInfo) text, for storage or for tools like ``openssl``."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(key_text):
    """Accept a stored key as either Sepidar's XML or PEM text."""
    text = key_text.strip()
    if text.startswith("<"):
        return public_key_from_xml(text)
    try:
        return serialization.load_pem_public_key(text.encode(), default_backend())
    except ValueError as err:
        raise SepidarConfigError(
            "The stored Sepidar RSA key is neither RSAKeyValue XML nor PEM."
        ) from err


def encrypt_arbitrary_code(public_key, arbitrary_code):
    """``EncArbitraryCode``: base64(RSA-PKCS#1 v1.5(the GUID's 16 raw bytes)).

    The bytes are in RFC 4122 order, i.e. the hex digits of the text form
    (``uuid.UUID(...).bytes``), which every official sample uses [H]. Minority
    variants seen in the wild, deliberately NOT supported: .NET ``Guid.ToByteArray()``
    without the byte swap (``bytes_le``), UTF-8 of the 36-char string (a few
    unofficial clients), UTF-16 of the string (cannot fit a 512-bit key).
    """
    raw = uuid.UUID(arbitrary_code).bytes
    return _b64(public_key.encrypt(raw, padding.PKCS1v15()))


def password_hash(password):
    """MD5 of the UTF-8 password as lowercase hex.

    Official Python/PHP samples send lowercase, the C# sample and a Java client send
    uppercase; both work, so the server compares case-insensitively [M]. For non-ASCII
    passwords the C# sample's ASCII encoding would differ; UTF-8 is the majority [L].
    """
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _b64_to_int(text):
    return int.from_bytes(base64.b64decode(text, validate=True), "big")


def _int_to_b64(value):
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))
