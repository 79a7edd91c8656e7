"""The DES-ECB primitive: OpenSSL (when this machine has it) and pycryptodome give the
same bytes, both match pyDes (the seed's library) and the published test vector."""

import concurrent.futures
import hashlib
import os
import random
import ssl
import subprocess
import sys

import pyDes
import pytest

from openapi_magic.core import _des, protocol

BACKENDS = ["openssl", "pycryptodome"]


def _pydes(key: bytes, data: bytes, encrypt: bool) -> bytes:
    cipher = pyDes.des(key, pyDes.ECB)
    return cipher.encrypt(data) if encrypt else cipher.decrypt(data)


@pytest.mark.parametrize("name", BACKENDS)
def test_known_answer(name):
    # FIPS 81 / NBS: key 0123456789abcdef, "Now is t" -> 3fa40e8a984d4815.
    key = bytes.fromhex("0123456789abcdef")
    assert bytes(_des.ecb_encrypt(key, b"Now is t", name)).hex() == "3fa40e8a984d4815"
    assert bytes(_des.ecb_decrypt(key, bytes.fromhex("3fa40e8a984d4815"), name)) == b"Now is t"


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("size", [8, 16, 64, 1024])
def test_backends_match_pydes(name, size):
    rng = random.Random(size)
    key, data = rng.randbytes(8), rng.randbytes(size)
    sealed = bytes(_des.ecb_encrypt(key, data, name))
    assert sealed == _pydes(key, data, True)
    assert bytes(_des.ecb_decrypt(key, sealed, name)) == data == _pydes(key, sealed, False)


@pytest.mark.parametrize("size", [8, 4096, 1 << 20, (1 << 20) + 8])
@pytest.mark.parametrize("kind", [bytes, bytearray])
def test_backends_agree_on_large_buffers(size, kind):
    rng = random.Random(size)
    key, data = rng.randbytes(8), kind(rng.randbytes(size))
    a = bytes(_des.ecb_encrypt(key, data))
    b = bytes(_des.ecb_encrypt(key, data, "pycryptodome"))
    assert a == b
    assert bytes(_des.ecb_decrypt(key, kind(a))) == bytes(data)
    assert bytes(_des.ecb_decrypt(key, a, "pycryptodome")) == bytes(data)


@pytest.mark.parametrize("name", BACKENDS)
def test_whole_blocks_only(name):
    with pytest.raises(ValueError):
        _des.ecb_encrypt(b"12345678", b"123", name)
    with pytest.raises(ValueError):
        _des.ecb_decrypt(b"12345678", b"123456789", name)


def test_backend_names():
    assert _des.backend("pycryptodome") == "pycryptodome"
    assert _des.backend().startswith(("OpenSSL", "pycryptodome"))


def test_threads_share_the_backend():
    key = b"K3y-8byt"
    blobs = [os.urandom(8 * (i + 1) * 512) for i in range(16)]
    expected = [bytes(_des.ecb_encrypt(key, b, "pycryptodome")) for b in blobs]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda b: bytes(_des.ecb_encrypt(key, b)), blobs))
    assert got == expected


def test_process_ssl_and_hashlib_untouched():
    # DES comes from OpenSSL's legacy provider, loaded in a library context of our own:
    # the default context that ssl and hashlib use must work as before.
    _des.ecb_encrypt(b"12345678", b"abcdefgh")
    assert hashlib.sha256(b"x").hexdigest().startswith("2d711642")
    assert hashlib.md5(b"x").hexdigest() == "9dd4e461268c8034f5c8564e155c67a6"
    ssl.create_default_context()


def test_environment_forces_pycryptodome_with_the_same_envelope():
    code = (
        "from openapi_magic import _des, protocol; print(_des.backend()); "
        "print(protocol.encrypt_body({'a': 'é' * 50}, 'Some-Secret-Key'))"
    )
    env = {**os.environ, _des.ENV_BACKEND: "pycryptodome"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split("\n")
    assert out[0] == "pycryptodome"
    assert out[1] == protocol.encrypt_body({"a": "é" * 50}, "Some-Secret-Key")
