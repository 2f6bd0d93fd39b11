"""Server side of Sepidar's device cryptography (sepidar-api.md sections 2-4).

Written independently of the client package on purpose, so the tests cross-check two
implementations: padding is done by hand here, GUID bytes come from the hex text,
key numbers are serialised at fixed width.
"""

import base64
import binascii
import hashlib

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16


class CryptoError(ValueError):
    """Data that the server cannot decrypt or parse."""


def serial_key(serial):
    """AES-128 key of a device: the serial's ASCII bytes written twice."""
    return serial.encode("ascii") * 2


def aes_cbc_encrypt(key, iv, data):
    pad = BLOCK - len(data) % BLOCK
    encryptor = _cipher(key, iv).encryptor()
    return encryptor.update(data + bytes([pad]) * pad) + encryptor.finalize()


def aes_cbc_decrypt(key, iv, data):
    if len(iv) != BLOCK or not data or len(data) % BLOCK:
        raise CryptoError("bad AES block sizes")
    decryptor = _cipher(key, iv).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= BLOCK or padded[-pad:] != bytes([pad]) * pad:
        raise CryptoError("bad PKCS#7 padding")
    return padded[:-pad]


def _cipher(key, iv):
    return Cipher(algorithms.AES(key), modes.CBC(iv), backend=default_backend())


def b64decode(text):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError) as err:
        raise CryptoError("bad base64") from err


def b64encode(data):
    return base64.b64encode(data).decode("ascii")


def new_device_key(bits):
    """A fresh device RSA key pair (real servers use 512 bits, exponent 65537)."""
    return rsa.generate_private_key(65537, bits, default_backend())


def private_key_pem(private_key):
    """The device key as PEM text, for the state folder (unencrypted: test keys)."""
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def load_private_key(pem):
    return serialization.load_pem_private_key(pem.encode("ascii"), password=None)


def public_key_xml(private_key):
    """.NET ``RSAKeyValue`` XML of the public half, compact as Sepidar sends it."""
    numbers = private_key.public_key().public_numbers()
    modulus = numbers.n.to_bytes(private_key.key_size // 8, "big")
    exponent = numbers.e.to_bytes(3, "big")
    return (
        "<RSAKeyValue>"
        f"<Modulus>{b64encode(modulus)}</Modulus>"
        f"<Exponent>{b64encode(exponent)}</Exponent>"
        "</RSAKeyValue>"
    )


def decrypt_arbitrary_code(private_key, enc_arbitrary_code):
    """Decrypt ``EncArbitraryCode`` back to GUID text (lowercase, with dashes)."""
    try:
        raw = private_key.decrypt(b64decode(enc_arbitrary_code), padding.PKCS1v15())
    except ValueError as err:
        raise CryptoError("cannot decrypt EncArbitraryCode") from err
    if len(raw) != 16:
        raise CryptoError("EncArbitraryCode is not a 16-byte GUID")
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def md5_hex(text):
    return hashlib.md5(text.encode("utf-8")).hexdigest()
