"""Known-answer tests of the Sepidar device cryptography (plain pytest, no Odoo).

Expected values come from outside the code under test: the known answers of
``sepidar_simulator/tests/vectors.py`` (``openssl`` CLI, a real production
register payload), literals computed with ``hashlib``, and the ``openssl`` CLI
at test time where it is installed.
"""

import base64
import shutil
import subprocess
import uuid

import pytest
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sepidar_simulator import crypto as sim_crypto
from sepidar_simulator.tests.vectors import (
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

from ..sepidar_client import SepidarConfigError, SepidarError, crypto


def _openssl(*args, data=None):
    # The independent side of the known-answer tests: without it they would
    # check nothing, so its absence is a failure, not a skip.
    assert shutil.which("openssl"), "these tests need the openssl command line tool"
    return subprocess.run(
        ["openssl", *args], input=data, capture_output=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def openssl_key(tmp_path_factory):
    """A 512-bit RSA key made by openssl: (private PEM path, public PEM text)."""
    folder = tmp_path_factory.mktemp("rsa")
    private = folder / "key.pem"
    _openssl(
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:512",
        "-out",
        str(private),
    )
    public = _openssl("pkey", "-in", str(private), "-pubout").decode()
    return private, public


def test_integration_id_is_first_four_digits():
    assert crypto.integration_id_from_serial(SERIAL) == 1001
    assert crypto.integration_id_from_serial(REAL_SERIAL) == 1000


@pytest.mark.parametrize("serial", ["1001", "10017ff3x", "abcd7ff3", None, "1001７ff3"])
def test_invalid_serial_is_a_config_error(serial):
    with pytest.raises(SepidarConfigError):
        crypto.integration_id_from_serial(serial)


def test_aes_key_is_serial_twice_as_ascii():
    assert crypto.aes_key_from_serial(SERIAL) == bytes.fromhex(SERIAL_KEY_HEX)
    assert sim_crypto.serial_key(SERIAL) == bytes.fromhex(SERIAL_KEY_HEX)


def test_register_payload_known_answer():
    payload = crypto.build_register_payload(SERIAL, iv=FIXED_IV)
    assert payload == {
        "Cypher": REGISTER_CYPHER,
        "IV": base64.b64encode(FIXED_IV).decode(),
        "IntegrationID": 1001,
    }


def test_register_payload_decrypts_with_openssl():
    payload = crypto.build_register_payload(SERIAL)
    plain = _openssl(
        "enc",
        "-d",
        "-aes-128-cbc",
        "-K",
        SERIAL_KEY_HEX,
        "-iv",
        base64.b64decode(payload["IV"]).hex(),
        data=base64.b64decode(payload["Cypher"]),
    )
    assert plain == b"1001"


def test_real_register_response_decrypts_to_rsa_xml():
    xml = crypto.decrypt_register_response(REAL_SERIAL, REAL_RESPONSE)
    assert xml == REAL_KEY_XML
    key = crypto.public_key_from_xml(xml)
    assert key.key_size == 512
    assert key.public_numbers().e == 65537


def test_register_response_with_wrong_serial_is_refused():
    with pytest.raises(SepidarError):
        crypto.decrypt_register_response(SERIAL, REAL_RESPONSE)


def test_key_xml_round_trips_through_pem():
    key = crypto.load_public_key(REAL_KEY_XML)
    assert crypto.public_key_to_xml(key) == REAL_KEY_XML
    pem = crypto.public_key_to_pem(key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert crypto.public_key_to_xml(crypto.load_public_key(pem)) == REAL_KEY_XML


def test_key_xml_with_whitespace_is_accepted():
    spaced = REAL_KEY_XML.replace("><", ">\n  <")
    assert crypto.public_key_to_xml(crypto.load_public_key(spaced)) == REAL_KEY_XML


@pytest.mark.parametrize("text", ["<RSAKeyValue><Modulus>x</Modulus>", "garbage"])
def test_bad_key_text_is_a_config_error(text):
    with pytest.raises(SepidarConfigError):
        crypto.load_public_key(text)


def test_enc_arbitrary_code_decrypts_with_openssl(openssl_key, tmp_path):
    private, public_pem = openssl_key
    encrypted = crypto.encrypt_arbitrary_code(crypto.load_public_key(public_pem), GUID)
    assert len(encrypted) == 88  # 64-byte block, base64
    cipher_file = tmp_path / "code.bin"
    cipher_file.write_bytes(base64.b64decode(encrypted))
    plain = _openssl(
        "pkeyutl", "-decrypt", "-inkey", str(private), "-in", str(cipher_file)
    )
    assert plain == bytes.fromhex(GUID_BYTES_HEX)


def test_key_xml_built_from_openssl_modulus(openssl_key, tmp_path):
    """XML made from openssl's hex modulus encrypts what openssl's key decrypts."""
    private, public_pem = openssl_key
    modulus = _openssl("rsa", "-in", str(private), "-modulus", "-noout").decode()
    modulus_b64 = base64.b64encode(bytes.fromhex(modulus.strip().split("=")[1]))
    xml = (
        f"<RSAKeyValue><Modulus>{modulus_b64.decode()}</Modulus>"
        f"<Exponent>AQAB</Exponent></RSAKeyValue>"
    )
    key = crypto.load_public_key(xml)
    assert crypto.public_key_to_pem(key).strip() == public_pem.strip()
    cipher_file = tmp_path / "code.bin"
    cipher_file.write_bytes(base64.b64decode(crypto.encrypt_arbitrary_code(key, GUID)))
    plain = _openssl(
        "pkeyutl", "-decrypt", "-inkey", str(private), "-in", str(cipher_file)
    )
    assert plain == bytes.fromhex(GUID_BYTES_HEX)


def test_enc_arbitrary_code_uses_rfc4122_bytes_not_dotnet_order():
    private_key = rsa.generate_private_key(65537, 512, default_backend())
    encrypted = crypto.encrypt_arbitrary_code(private_key.public_key(), GUID)
    plain = private_key.decrypt(base64.b64decode(encrypted), padding.PKCS1v15())
    assert plain == bytes.fromhex(GUID_BYTES_HEX)
    assert plain != uuid.UUID(GUID).bytes_le
    assert sim_crypto.decrypt_arbitrary_code(private_key, encrypted) == GUID


def test_enc_arbitrary_code_is_randomised():
    key = crypto.load_public_key(REAL_KEY_XML)
    assert crypto.encrypt_arbitrary_code(key, GUID) != crypto.encrypt_arbitrary_code(
        key, GUID
    )


def test_simulator_key_xml_is_read_by_the_client():
    private_key = sim_crypto.new_device_key(512)
    key = crypto.public_key_from_xml(sim_crypto.public_key_xml(private_key))
    assert key.public_numbers() == private_key.public_key().public_numbers()


@pytest.mark.parametrize(
    "password, digest",
    [
        ("1", "c4ca4238a0b923820dcc509a6f75849b"),  # the PDF's example
        ("password", "5f4dcc3b5aa765d61d8327deb882cf99"),
        ("shop123", "359a0c83fcf62bc3230f9b1e22958b1e"),
    ],
)
def test_password_hash_is_lowercase_md5_hex(password, digest):
    assert crypto.password_hash(password) == digest
