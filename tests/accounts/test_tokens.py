"""The JOSE wrapper refuses every forged or unfit ID token."""

from __future__ import annotations

import time

import pytest

from edem.accounts import tokens
from tests.accounts.fakeidp import (
    FakeProvider,
    hs256_with_public_key,
    public_pem,
    tamper,
    unsigned_token,
)

NONCE = "nonce-abc"


@pytest.fixture
def idp():
    return FakeProvider("https://idp.example", "edem-client")


@pytest.fixture
def other_idp():
    return FakeProvider("https://other-idp.example", "edem-client")


def verify(idp: FakeProvider, token: str, *, nonce: str | None = NONCE, algorithms=None,
           providers=None, now=None):
    def http_get_json(url: str):
        for p in providers or [idp]:
            if url == f"{p.issuer}/jwks":
                return p.jwks()
        raise AssertionError(f"unexpected fetch of {url}")

    return tokens.verify_id_token(
        token,
        provider=tokens.ProviderKeys(
            issuer=idp.issuer,
            client_id=idp.client_id,
            jwks_uri=f"{idp.issuer}/jwks",
            algorithms=tuple(algorithms or [idp.algorithm]),
        ),
        nonce=nonce,
        http_get_json=http_get_json,
        now=now,
    )


def test_a_genuine_token_is_accepted(idp):
    claims = verify(idp, idp.sign(idp.claims(NONCE)))
    assert claims["sub"] == "person-1"
    assert claims["nonce"] == NONCE


def test_es256_is_supported_when_configured():
    idp = FakeProvider("https://ec-idp.example", "edem-client", algorithm="ES256")
    assert verify(idp, idp.sign(idp.claims(NONCE)))["sub"] == "person-1"


def test_clock_skew_within_the_leeway_is_accepted(idp):
    now = int(time.time())
    token = idp.sign(idp.claims(NONCE, exp=now - 30, iat=now - 400))
    assert verify(idp, token)["sub"] == "person-1"


def _forgeries(idp: FakeProvider, other_idp: FakeProvider):
    now = int(time.time())
    good = idp.sign(idp.claims(NONCE))
    return {
        "alg none": (unsigned_token(idp.claims(NONCE)), "alg_refused"),
        "alg none with kid": (
            unsigned_token(idp.claims(NONCE), {"alg": "none", "kid": idp.kid}),
            "alg_refused",
        ),
        "HS256 keyed with the provider's public key": (
            hs256_with_public_key(idp.claims(NONCE), public_pem(idp.private_pem), idp.kid),
            "alg_refused",
        ),
        "wrong aud": (idp.sign(idp.claims(NONCE, aud="another-client")), "claims"),
        "wrong iss": (idp.sign(idp.claims(NONCE, iss="https://evil.example")), "claims"),
        "expired": (idp.sign(idp.claims(NONCE, exp=now - 120, iat=now - 600)), "expired"),
        "iat in the future": (
            idp.sign(idp.claims(NONCE, iat=now + 300, exp=now + 900)),
            "iat_in_future",
        ),
        "missing nonce": (idp.sign(idp.claims(None)), "missing_claim"),
        "another nonce": (idp.sign(idp.claims("someone-elses-nonce")), "nonce_mismatch"),
        "missing sub": (idp.sign(idp.claims(NONCE, sub=None)), "missing_claim"),
        "missing exp": (idp.sign(idp.claims(NONCE, exp=None)), "missing_claim"),
        "missing iat": (idp.sign(idp.claims(NONCE, iat=None)), "missing_claim"),
        "unknown kid": (idp.sign(idp.claims(NONCE), kid="rotated-away"), "unknown_kid"),
        "tampered payload": (tamper(good, sub="person-2"), "signature"),
        "tampered tax number": (tamper(good, drfocode="3000000000"), "signature"),
        "second provider's token": (
            other_idp.sign(other_idp.claims(NONCE)),
            None,  # refused by iss or key, whichever is checked first
        ),
        "second provider's token naming our issuer": (
            other_idp.sign(other_idp.claims(NONCE, iss=idp.issuer)),
            "signature",
        ),
        "not a JWT": ("not-a-token", "malformed"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "alg none", "alg none with kid", "HS256 keyed with the provider's public key",
        "wrong aud", "wrong iss", "expired", "iat in the future", "missing nonce",
        "another nonce", "missing sub", "missing exp", "missing iat", "unknown kid",
        "tampered payload", "tampered tax number", "second provider's token",
        "second provider's token naming our issuer", "not a JWT",
    ],
)
def test_forged_or_unfit_tokens_are_refused(idp, other_idp, case):
    token, code = _forgeries(idp, other_idp)[case]
    with pytest.raises(tokens.TokenError) as refused:
        verify(idp, token, providers=[idp, other_idp])
    if code:
        assert refused.value.code == code
    # The refusal never echoes claim values (they may hold a tax number).
    assert "3123456789" not in str(refused.value)


def test_a_nonce_is_accepted_once(idp):
    token = idp.sign(idp.claims(NONCE))
    verify(idp, token)
    with pytest.raises(tokens.TokenError) as refused:
        verify(idp, token)
    assert refused.value.code == "nonce_replayed"


def test_no_expected_nonce_means_no_login(idp):
    with pytest.raises(tokens.TokenError) as refused:
        verify(idp, idp.sign(idp.claims(NONCE)), nonce=None)
    assert refused.value.code == "nonce_missing"


def test_unknown_kid_refetches_the_key_set_once(idp):
    verify(idp, idp.sign(idp.claims("n1")), nonce="n1")
    assert idp.jwks_fetches == 1
    verify(idp, idp.sign(idp.claims("n2")), nonce="n2")
    assert idp.jwks_fetches == 1, "the key set is cached"
    with pytest.raises(tokens.TokenError):
        verify(idp, idp.sign(idp.claims("n3"), kid="unknown"), nonce="n3")
    assert idp.jwks_fetches == 2, "one refetch on an unknown kid, no more"


def test_rotated_key_is_found_after_refetch(idp):
    verify(idp, idp.sign(idp.claims("n1")), nonce="n1")
    # The provider rotates: a new key under a new kid.
    from tests.accounts.fakeidp import rsa_pem

    idp.private_pem, idp.kid = rsa_pem(), "key-2"
    assert verify(idp, idp.sign(idp.claims("n2")), nonce="n2")["sub"] == "person-1"


def test_algorithm_comes_from_configuration_not_the_header(idp):
    # An RS256 token is refused when only ES256 is configured.
    with pytest.raises(tokens.TokenError) as refused:
        verify(idp, idp.sign(idp.claims(NONCE)), algorithms=["ES256"])
    assert refused.value.code == "alg_refused"


def test_a_key_of_another_family_is_never_used():
    ec_idp = FakeProvider("https://ec.example", "edem-client", algorithm="ES256")
    rsa_idp = FakeProvider("https://ec.example", "edem-client", algorithm="RS256")
    rsa_idp.kid = ec_idp.kid
    # The JWKS publishes an EC key under the kid; the token claims RS256.
    token = rsa_idp.sign(rsa_idp.claims(NONCE))
    with pytest.raises(tokens.TokenError) as refused:
        verify(ec_idp, token, algorithms=["RS256", "ES256"], providers=[ec_idp])
    assert refused.value.code == "unknown_kid"


@pytest.mark.parametrize("alg", ["none", "HS256", "HS512", "PS256", ""])
def test_symmetric_or_unknown_algorithms_cannot_be_configured(alg):
    with pytest.raises(tokens.TokenError):
        tokens.check_algorithms([alg])


def test_several_audiences_need_our_azp(idp):
    token = idp.sign(idp.claims(NONCE, aud=[idp.client_id, "other"], azp="other"))
    with pytest.raises(tokens.TokenError):
        verify(idp, token)
    token = idp.sign(idp.claims("n2", aud=[idp.client_id, "other"], azp=idp.client_id))
    assert verify(idp, token, nonce="n2")["sub"] == "person-1"


def test_unreachable_key_set_is_a_token_error(idp):
    def broken(url):
        raise OSError("connection refused")

    with pytest.raises(tokens.TokenError) as refused:
        tokens.verify_id_token(
            idp.sign(idp.claims(NONCE)),
            provider=tokens.ProviderKeys(idp.issuer, idp.client_id, f"{idp.issuer}/jwks"),
            nonce=NONCE,
            http_get_json=broken,
        )
    assert refused.value.code == "jwks_unavailable"
