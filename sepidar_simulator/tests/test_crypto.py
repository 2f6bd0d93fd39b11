"""Known-answer tests of the simulator's cryptography and of the device side
the simulator's tests use (plain pytest, no Odoo).

Expected values come from outside the code under test: ``vectors.py``, the
known answers the client's tests check too.
"""

import base64
import uuid

from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sepidar_simulator import crypto as sim_crypto

from . import device
from .vectors import (
    FIXED_IV,
    GUID,
    GUID_BYTES_HEX,
    REAL_KEY_XML,
    REAL_RESPONSE,
    REAL_SERIAL,
    REGISTER_CYPHER,
    SERIAL,
    SERIAL_KEY_HEX,
)


def test_simulator_aes_gives_the_same_known_answer():
    key = bytes.fromhex(SERIAL_KEY_HEX)
    cypher = sim_crypto.aes_cbc_encrypt(key, FIXED_IV, b"1001")
    assert base64.b64encode(cypher).decode() == REGISTER_CYPHER
    assert sim_crypto.aes_cbc_decrypt(key, FIXED_IV, cypher) == b"1001"


def test_device_register_payload_known_answer():
    assert device.build_register_payload(SERIAL, iv=FIXED_IV) == {
        "Cypher": REGISTER_CYPHER,
        "IV": base64.b64encode(FIXED_IV).decode(),
        "IntegrationID": 1001,
    }


def test_device_reads_a_real_register_response():
    xml = device.decrypt_register_response(REAL_SERIAL, REAL_RESPONSE)
    assert xml == REAL_KEY_XML
    key = device.load_public_key(xml)
    assert key.key_size == 512
    assert key.public_numbers().e == 65537


def test_device_enc_arbitrary_code_is_rsa_of_the_rfc4122_bytes():
    private_key = rsa.generate_private_key(65537, 512)
    encrypted = device.encrypt_arbitrary_code(private_key.public_key(), GUID)
    plain = private_key.decrypt(base64.b64decode(encrypted), padding.PKCS1v15())
    assert plain == bytes.fromhex(GUID_BYTES_HEX)
    assert plain != uuid.UUID(GUID).bytes_le
    assert sim_crypto.decrypt_arbitrary_code(private_key, encrypted) == GUID
