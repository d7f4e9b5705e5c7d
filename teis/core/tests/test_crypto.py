"""Tests of teis.core.crypto: published 国密 vectors, cross-checks against GmSSL, properties, misuse."""

from __future__ import annotations

import base64
import io

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from teis.core import crypto
from teis.core.crypto import CryptoError

KEY_V1 = "0123456789abcdeffedcba9876543210"
KEY_V2 = "00112233445566778899aabbccddeeff"
INDEX_KEY = "a1" * 32


@pytest.fixture(autouse=True, scope="module")
def _keys():
    # Module scope so that hypothesis tests may use it; tests that change keys use the `settings` fixture.
    with override_settings(TEIS_SM4_KEYS={1: KEY_V1, 2: KEY_V2}, TEIS_SM4_KEY_VERSION=1, TEIS_INDEX_KEY=INDEX_KEY):
        yield


def _payload(token: str) -> bytes:
    return base64.b64decode(token.split(":", 2)[2])


def _token(header: str, payload: bytes) -> str:
    return f"{header}:{base64.b64encode(payload).decode()}"


# --- SM3 -----------------------------------------------------------------------------------------


def test_sm3_gbt32905_vector_abc():
    expected = "66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0".replace(" ", "")
    assert crypto.sm3_hex(b"abc") == expected
    assert crypto.sm3_digest(b"abc") == bytes.fromhex(expected)


def test_sm3_gbt32905_vector_64_bytes():
    expected = "debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732".replace(" ", "")
    assert crypto.sm3_hex(b"abcd" * 16) == expected


def test_sm3_empty_message():
    assert crypto.sm3_hex(b"") == "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"


@given(st.binary(max_size=4096))
def test_sm3_agrees_with_gmssl(data):
    assert crypto.sm3_digest(data) == gmssl_pyx.sm3_hash(data)


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_streaming_hasher_equals_one_shot(chunks):
    hasher = crypto.Sm3Hasher()
    for chunk in chunks:
        hasher.update(chunk)
    whole = b"".join(chunks)
    assert hasher.hexdigest() == crypto.sm3_hex(whole)
    assert hasher.digest() == crypto.sm3_digest(whole)


def test_streaming_hasher_digest_is_repeatable_and_stream_continues():
    hasher = crypto.Sm3Hasher(b"ab")
    first = hasher.hexdigest()
    assert hasher.hexdigest() == first
    snapshot = hasher.copy()
    hasher.update(b"c")
    assert hasher.hexdigest() == crypto.sm3_hex(b"abc")
    assert snapshot.hexdigest() == crypto.sm3_hex(b"ab")
    hasher.update(memoryview(b"abcd"))
    hasher.update(bytearray(b"x"))
    assert hasher.hexdigest() == crypto.sm3_hex(b"abcabcdx")


def test_streaming_hasher_over_block_boundaries():
    data = bytes(range(256)) * 1000
    hasher = crypto.Sm3Hasher()
    for start in range(0, len(data), 4093):  # a chunk size that is not a multiple of the block size
        hasher.update(data[start : start + 4093])
    assert hasher.digest() == gmssl_pyx.sm3_hash(data)


def test_sm3_file_hex_reads_in_chunks():
    data = b"evidence" * 100_003
    assert crypto.sm3_file_hex(io.BytesIO(data), chunk_size=65_536) == crypto.sm3_hex(data)


# --- HMAC-SM3 and the blind index ---------------------------------------------------------------


@given(st.binary(min_size=1, max_size=200), st.binary(max_size=1000))
def test_hmac_sm3_agrees_with_gmssl(key, data):
    assert crypto.hmac_sm3(key, data) == gmssl_pyx.sm3_hmac(key, data).hex()


def test_hmac_sm3_depends_on_key_and_data():
    mac = crypto.hmac_sm3(b"k1", b"data")
    assert len(mac) == 64 and mac == mac.lower()
    assert mac != crypto.hmac_sm3(b"k2", b"data")
    assert mac != crypto.hmac_sm3(b"k1", b"datA")


def test_blind_index_normalises_and_is_keyed(settings):
    index = crypto.blind_index("11010519491231002X")
    assert index == crypto.blind_index("  11010519491231002x ")
    assert index == crypto.hmac_sm3(bytes.fromhex(INDEX_KEY), b"11010519491231002X")
    assert len(index) == 64
    assert index != crypto.blind_index("11010519491231003X")
    settings.TEIS_INDEX_KEY = "b2" * 32
    assert crypto.blind_index("11010519491231002X") != index


@pytest.mark.parametrize("bad", ["", "zz" * 16, "ab" * 8 + "a"])
def test_blind_index_rejects_bad_key(settings, bad):
    settings.TEIS_INDEX_KEY = bad
    with pytest.raises(ImproperlyConfigured):
        crypto.blind_index("x")


# --- SM4 -------------------------------------------------------------------------------------------


def test_sm4_block_cipher_gbt32907_vector():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    ciphertext = encryptor.update(key) + encryptor.finalize()
    assert ciphertext.hex() == "681edf34d206965e86b3e94f536e4246"
    decryptor = Cipher(algorithms.SM4(key), modes.ECB()).decryptor()
    assert decryptor.update(ciphertext) + decryptor.finalize() == key


def test_sm4_gcm_rfc8998_vector():
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    iv = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex("".join(c * 16 for c in "ABCDEFEA"))
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    assert ciphertext.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    )
    assert encryptor.tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"


def test_gcm_is_used_when_available():
    assert crypto.SM4_GCM_SUPPORTED  # OpenSSL 3 ships SM4-GCM; the CBC path is the fallback
    assert _payload(crypto.sm4_encrypt("x"))[0] == 0x01


@given(st.text(max_size=300))
def test_sm4_round_trip(plaintext):
    token = crypto.sm4_encrypt(plaintext)
    assert token.startswith("sm4:v1:")
    assert crypto.sm4_decrypt(token) == plaintext
    assert crypto.token_key_version(token) == 1


def test_sm4_gcm_agrees_with_gmssl():
    token = crypto.sm4_encrypt("上海市浦东新区世纪大道 100 号")
    payload = _payload(token)
    iv, ciphertext, tag = payload[1:13], payload[13:-16], payload[-16:]
    plaintext = gmssl_pyx.sm4_gcm_decrypt(bytes.fromhex(KEY_V1), iv, b"sm4:v1", ciphertext, tag)
    assert plaintext.decode() == "上海市浦东新区世纪大道 100 号"


def test_sm4_encryption_is_randomised():
    first, second = crypto.sm4_encrypt("13800138000"), crypto.sm4_encrypt("13800138000")
    assert first != second
    assert crypto.sm4_decrypt(first) == crypto.sm4_decrypt(second) == "13800138000"


def test_sm4_explicit_key_version():
    token = crypto.sm4_encrypt("abc", key_version=2)
    assert token.startswith("sm4:v2:")
    assert crypto.token_key_version(token) == 2
    assert crypto.sm4_decrypt(token) == "abc"


def test_old_key_version_still_decrypts_after_rotation(settings):
    old = crypto.sm4_encrypt("310101199001011234")
    settings.TEIS_SM4_KEY_VERSION = 2
    new = crypto.sm4_encrypt("310101199001011234")
    assert crypto.token_key_version(old) == 1
    assert crypto.token_key_version(new) == 2
    assert crypto.sm4_decrypt(old) == crypto.sm4_decrypt(new) == "310101199001011234"
    # Settings may carry the versions as strings (from an env dict); they are read as ints.
    settings.TEIS_SM4_KEYS = {"1": KEY_V1, "2": KEY_V2}
    assert crypto.sm4_decrypt(old) == "310101199001011234"


def test_retired_key_version_raises(settings):
    token = crypto.sm4_encrypt("abc")
    settings.TEIS_SM4_KEYS = {2: KEY_V2}
    settings.TEIS_SM4_KEY_VERSION = 2
    with pytest.raises(CryptoError, match="未知的密钥版本"):
        crypto.sm4_decrypt(token)


def test_unknown_key_version_for_encryption_raises():
    with pytest.raises(CryptoError):
        crypto.sm4_encrypt("abc", key_version=9)


def test_every_tampered_byte_is_detected():
    token = crypto.sm4_encrypt("张三")
    payload = _payload(token)
    for position in range(len(payload)):
        altered = bytearray(payload)
        altered[position] ^= 0x01
        with pytest.raises(CryptoError):
            crypto.sm4_decrypt(_token("sm4:v1", bytes(altered)))


def test_truncated_and_extended_tokens_are_detected():
    payload = _payload(crypto.sm4_encrypt("张三丰"))
    for cut in range(1, len(payload)):
        with pytest.raises(CryptoError):
            crypto.sm4_decrypt(_token("sm4:v1", payload[:cut]))
    with pytest.raises(CryptoError):
        crypto.sm4_decrypt(_token("sm4:v1", payload + b"\x00"))


def test_relabelled_key_version_is_detected(settings):
    # Same key under two version numbers: only the authenticated header tells them apart.
    settings.TEIS_SM4_KEYS = {1: KEY_V1, 2: KEY_V1}
    token = crypto.sm4_encrypt("abc")
    with pytest.raises(CryptoError, match="篡改"):
        crypto.sm4_decrypt(token.replace("sm4:v1:", "sm4:v2:"))


def test_wrong_key_is_detected(settings):
    token = crypto.sm4_encrypt("abc")
    settings.TEIS_SM4_KEYS = {1: KEY_V2}
    with pytest.raises(CryptoError):
        crypto.sm4_decrypt(token)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "sm4:",
        "sm4:v1:",
        "sm4:vx:AAAA",
        "sm4:v1:!!!!",
        "sm4:v1:AAA",
        "SM4:v1:AQ==",
        "sm4:v1:AA==\n",
    ],
)
def test_malformed_tokens_raise_crypto_error(token):
    with pytest.raises(CryptoError):
        crypto.sm4_decrypt(token)


def test_unknown_scheme_byte_raises():
    with pytest.raises(CryptoError, match="加密方案"):
        crypto.sm4_decrypt(_token("sm4:v1", b"\x07" + bytes(40)))


@given(st.text(max_size=80))
def test_decrypt_of_arbitrary_text_raises_only_crypto_error(text):
    try:
        crypto.sm4_decrypt(text)
    except CryptoError as exc:
        assert isinstance(exc, ValueError)
        assert str(exc)


def test_crypto_error_is_value_error_with_chinese_message():
    with pytest.raises(ValueError) as info:
        crypto.sm4_decrypt("nonsense")
    assert "密文" in str(info.value)


@pytest.mark.parametrize(
    "keys, version",
    [({1: "zz" * 16}, 1), ({1: "ab" * 8}, 1), ({}, 1)],
)
def test_misconfigured_keys_raise_improperly_configured(settings, keys, version):
    settings.TEIS_SM4_KEYS = keys
    settings.TEIS_SM4_KEY_VERSION = version
    with pytest.raises(ImproperlyConfigured):
        crypto.sm4_encrypt("abc")


class TestCbcHmacFallback:
    """The SM4-CBC + HMAC-SM3 scheme used where OpenSSL lacks SM4-GCM."""

    @pytest.fixture(autouse=True, scope="class")
    def _no_gcm(self):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(crypto, "SM4_GCM_SUPPORTED", False)
            yield

    @given(st.text(max_size=200))
    def test_round_trip(self, plaintext):
        token = crypto.sm4_encrypt(plaintext)
        payload = _payload(token)
        assert payload[0] == 0x02
        assert (len(payload) - 1 - 16 - 32) % 16 == 0
        assert crypto.sm4_decrypt(token) == plaintext

    def test_every_tampered_byte_is_detected(self):
        payload = _payload(crypto.sm4_encrypt("13800138000"))
        for position in range(len(payload)):
            altered = bytearray(payload)
            altered[position] ^= 0x80
            with pytest.raises(CryptoError):
                crypto.sm4_decrypt(_token("sm4:v1", bytes(altered)))

    def test_truncation_is_detected(self):
        payload = _payload(crypto.sm4_encrypt("13800138000"))
        for cut in range(1, len(payload)):
            with pytest.raises(CryptoError):
                crypto.sm4_decrypt(_token("sm4:v1", payload[:cut]))

    def test_relabelled_version_is_detected(self, settings):
        settings.TEIS_SM4_KEYS = {1: KEY_V1, 2: KEY_V1}
        token = crypto.sm4_encrypt("abc")
        with pytest.raises(CryptoError):
            crypto.sm4_decrypt(token.replace("sm4:v1:", "sm4:v2:"))

    def test_ciphertext_is_standard_sm4_cbc(self):
        payload = _payload(crypto.sm4_encrypt("abc"))
        iv, ciphertext = payload[1:17], payload[17:-32]
        plaintext = gmssl_pyx.sm4_cbc_padding_decrypt(bytes.fromhex(KEY_V1), iv, ciphertext)
        assert plaintext == b"abc"

    def test_gcm_tokens_need_gcm(self, monkeypatch):
        monkeypatch.setattr(crypto, "SM4_GCM_SUPPORTED", True)
        token = crypto.sm4_encrypt("abc")
        monkeypatch.setattr(crypto, "SM4_GCM_SUPPORTED", False)
        with pytest.raises(CryptoError, match="SM4-GCM"):
            crypto.sm4_decrypt(token)


def test_cbc_tokens_stay_readable_on_gcm_hosts(monkeypatch):
    monkeypatch.setattr(crypto, "SM4_GCM_SUPPORTED", False)
    token = crypto.sm4_encrypt("路政")
    monkeypatch.undo()
    assert crypto.SM4_GCM_SUPPORTED
    assert crypto.sm4_decrypt(token) == "路政"


# --- SM2 -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keypair():
    return crypto.sm2_generate_keypair()


def test_keypair_shapes():
    private_key, public_key = crypto.sm2_generate_keypair()
    assert len(private_key) == 32 and len(public_key) == 64
    assert crypto.sm2_generate_keypair()[0] != private_key


@hsettings(max_examples=50)
@given(st.binary(max_size=2000))
def test_sign_verify_round_trip(keypair, data):
    private_key, public_key = keypair
    signature = crypto.sm2_sign(private_key, data)
    assert crypto.sm2_verify(public_key, data, signature)
    assert crypto.sm2_verify(b"\x04" + public_key, data, signature)


def test_signature_is_standard_with_default_signer_id(keypair):
    """Pins the GmSSL behaviour crypto.sm2_sign relies on: Z_A comes from the private key's own point."""
    private_key, public_key = keypair
    signature = crypto.sm2_sign(private_key, b"interop")
    assert gmssl_pyx.sm2_verify(public_key, b"interop", signature, signer_id=b"1234567812345678")
    theirs = gmssl_pyx.sm2_sign(private_key, public_key, b"interop")
    assert crypto.sm2_verify(public_key, b"interop", theirs)


def test_verify_false_for_wrong_data(keypair):
    private_key, public_key = keypair
    signature = crypto.sm2_sign(private_key, b"case 2025-001")
    assert crypto.sm2_verify(public_key, b"case 2025-002", signature) is False


def test_verify_false_for_wrong_key(keypair):
    private_key, _ = keypair
    _, other_public = crypto.sm2_generate_keypair()
    signature = crypto.sm2_sign(private_key, b"data")
    assert crypto.sm2_verify(other_public, b"data", signature) is False


def test_verify_false_for_damaged_signatures(keypair):
    private_key, public_key = keypair
    signature = crypto.sm2_sign(private_key, b"data")
    assert crypto.sm2_verify(public_key, b"data", b"") is False
    assert crypto.sm2_verify(public_key, b"data", signature[:-1]) is False
    assert crypto.sm2_verify(public_key, b"data", signature + b"\x00") is False
    for position in range(len(signature)):
        altered = bytearray(signature)
        altered[position] ^= 0x01
        assert crypto.sm2_verify(public_key, b"data", bytes(altered)) is False


@hsettings(max_examples=50)
@given(st.binary(max_size=120))
def test_verify_never_raises_for_garbage_signature(keypair, garbage):
    _, public_key = keypair
    assert crypto.sm2_verify(public_key, b"data", garbage) is False


@pytest.mark.parametrize("bad", [b"", b"\x01" * 31, b"\x00" * 32, b"\xff" * 32, b"\x01" * 33])
def test_sign_rejects_invalid_private_key(bad):
    with pytest.raises(CryptoError):
        crypto.sm2_sign(bad, b"data")


@pytest.mark.parametrize("bad", [b"", b"\x01" * 63, b"\x01" * 64, b"\x05" + b"\x01" * 64])
def test_verify_rejects_invalid_public_key(keypair, bad):
    private_key, _ = keypair
    with pytest.raises(CryptoError):
        crypto.sm2_verify(bad, b"data", crypto.sm2_sign(private_key, b"data"))
