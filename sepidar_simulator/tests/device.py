"""The device side of Sepidar's cryptography, for the simulator's tests.

Written from the protocol (sepidar-api.md sections 2-4), independently of the
simulator (the server side under test) and of the ``car_portal_sepidar`` client
(production code this development tool does not import): AES-128-CBC with PKCS#7
padding and the serial written twice as key, the ``RSAKeyValue`` XML read as
big-endian base64 numbers, the GUID's RFC 4122 bytes encrypted with RSA PKCS#1
v1.5. ``test_crypto.py`` checks it against known answers (openssl, a real
register answer).
"""

import base64
import os
import uuid
from xml.etree import ElementTree

from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def _aes(serial, iv):
    return Cipher(algorithms.AES((serial * 2).encode("ascii")), modes.CBC(iv))


def build_register_payload(serial, iv=None):
    """Body of ``POST /api/Devices/Register``: the IntegrationID (the serial's
    first 4 digits), AES-encrypted with the serial."""
    integration_id = int(serial[:4])
    iv = os.urandom(16) if iv is None else iv
    padder = block_padding.PKCS7(128).padder()
    plain = padder.update(str(integration_id).encode("ascii")) + padder.finalize()
    encryptor = _aes(serial, iv).encryptor()
    cypher = encryptor.update(plain) + encryptor.finalize()
    return {
        "Cypher": base64.b64encode(cypher).decode("ascii"),
        "IV": base64.b64encode(iv).decode("ascii"),
        "IntegrationID": integration_id,
    }


def decrypt_register_response(serial, body):
    """The ``RSAKeyValue`` XML in a register answer."""
    decryptor = _aes(serial, base64.b64decode(body["IV"])).decryptor()
    padded = decryptor.update(base64.b64decode(body["Cypher"])) + decryptor.finalize()
    unpadder = block_padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")


def load_public_key(xml_text):
    """RSA public key of ``<RSAKeyValue><Modulus>…</Modulus><Exponent>…``."""
    root = ElementTree.fromstring(xml_text)
    modulus, exponent = (
        int.from_bytes(base64.b64decode(root.findtext(tag)), "big")
        for tag in ("Modulus", "Exponent")
    )
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def encrypt_arbitrary_code(public_key, arbitrary_code):
    """``EncArbitraryCode``: base64 of the GUID's 16 bytes, RSA PKCS#1 v1.5."""
    raw = uuid.UUID(arbitrary_code).bytes
    return base64.b64encode(public_key.encrypt(raw, padding.PKCS1v15())).decode()
