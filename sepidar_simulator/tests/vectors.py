"""Known answers of the Sepidar device cryptography, from outside any code here.

Literals computed with the ``openssl`` CLI and a real production register
answer. Both implementations are checked against them: the simulator's
(``test_crypto.py``) and the addon's client
(``addons/car_portal_sepidar/tests/test_sepidar_crypto.py``).
"""

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
