"""Known-answer tests of the simulator's cryptography and of the device side
the simulator's tests use (plain pytest, no Odoo).

Expected values come from outside the code under test: literals computed with the
``openssl`` CLI and a real production register answer (the same literals as the
client's tests in addons/car_portal_sepidar/tests/test_sepidar_crypto.py).
"""

import base64
import uuid

from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sepidar_simulator import crypto as sim_crypto

from . import device

SERIAL = "10017ff3"
# bytes of "10017ff310017ff3", written out by hand from an ASCII table.
SERIAL_KEY_HEX = "31303031376666333130303137666633"
FIXED_IV = bytes(range(16))
# printf 1001 | openssl enc -aes-128-cbc -K 3130...6633 -iv 0001...0e0f | base64
REGISTER_CYPHER = "7VJFxTztv26Sb7NLhyFdWg=="

# A real register answer (serial 100079d4) published in the tests of the
# abolfazllover/sepidar Laravel package; decrypted independently with openssl.
REAL_SERIAL = "100079d4"
REAL_RESPONSE = {
    "Cypher": (
        "ot1IPo2Nid1XBl1py4lmThwi7FkxH2jNukEcAwY0Tj9WRWNwPuom4gi8dh/bzkVTFHFnvq9A"
        "W8P6iJJwV6n5zKXrTTaFMYYK5lESsywiOR6/ooe48/DbnVrLZnKiztD+WweVDlRajlya6D+z"
        "ph1lCqvvF2WkxkxnlhbNNaZT6yVdGWA6N4k/g5m44oPzabDy7iLyczIPzsCDaWJeFgaDNg=="
    ),
    "IV": "ELsf59p/7kBcDAh7o4dQrw==",
}
REAL_KEY_XML = (
    "<RSAKeyValue><Modulus>vKNh2eFQTkOe2JyPYF4O82OOdvzXFDKJ9Gdd5WLVKk+oSJnNDtj6phoc"
    "N/Ee0fF8yzdlZSZ84uNIgY3MAHonzQ==</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"
)

# The example of sepidar-api.md 3.1 and its RFC 4122 byte order.
GUID = "550e8400-e29b-41d4-a716-446655440000"
GUID_BYTES_HEX = "550e8400e29b41d4a716446655440000"


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
