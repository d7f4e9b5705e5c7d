"""Single sign-on (spec §2.1.5.2): TEIS as an OpenID Connect provider — authorization code flow with PKCE,
an RS256 id_token that verifies against the published JWKS, and the userinfo endpoint."""

import base64
import hashlib
import json
import secrets
import urllib.parse

import pytest
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from jwcrypto import jwk, jwt
from oauth2_provider.models import AccessToken, Application

from teis.core.testing import TEST_PASSWORD, logged_in_client

pytestmark = pytest.mark.django_db

REDIRECT = "http://127.0.0.1:9999/cb"
CLIENT_SECRET = "s3cret-for-tests-only"


@pytest.fixture
def app(db):
    return Application.objects.create(
        name="执法办案移动端",
        client_id="teis-test-client",
        client_secret=CLIENT_SECRET,  # hashed on save
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
        algorithm=Application.RS256_ALGORITHM,
    )


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(app, challenge, **extra):
    return {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "st-123",
        "nonce": "n-456",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def code_from(resp):
    assert resp.status_code == 302, resp.content.decode()[:500]
    assert resp.url.startswith(REDIRECT)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(resp.url).query)
    assert query["state"] == ["st-123"]
    return query["code"][0]


def exchange(code, verifier, app):
    return Client().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": app.client_id,
            "client_secret": CLIENT_SECRET,
        },
    )


def verified_claims(id_token, audience):
    jwks = Client().get("/o/.well-known/jwks.json")
    assert jwks.status_code == 200
    keyset = jwk.JWKSet.from_json(jwks.content.decode())
    token = jwt.JWT(jwt=id_token, key=keyset, algs=["RS256"], check_claims={"aud": audience, "exp": None})
    return json.loads(token.claims)


class TestOidcProvider:
    def test_migrations_include_the_oauth2_tables(self):
        loader = MigrationLoader(None, ignore_no_migrations=True)
        assert any(app_label == "oauth2_provider" for app_label, _ in loader.graph.leaf_nodes())
        assert Application.objects.count() == 0  # the table exists in the migrated test database

    def test_discovery_document(self):
        resp = Client().get("/o/.well-known/openid-configuration")
        assert resp.status_code == 200
        doc = resp.json()
        assert doc["issuer"].startswith("http://testserver/o")
        assert doc["jwks_uri"].endswith("/o/.well-known/jwks.json")
        assert doc["authorization_endpoint"].endswith("/o/authorize/")
        assert "RS256" in doc["id_token_signing_alg_values_supported"]

    def test_authorization_code_flow_with_pkce(self, app, make_user):
        user = make_user("squad_leader", "squad1", name="王执法")
        client = logged_in_client(user)
        verifier, challenge = pkce_pair()
        params = authorize_params(app, challenge)

        page = client.get("/o/authorize/", params)
        assert page.status_code == 200
        html = page.content.decode()
        assert "是否允许“执法办案移动端”使用您的身份登录" in html
        assert "身份标识" in html and "基本信息" in html

        form = {k: v for k, v in params.items() if k != "response_type"} | {"response_type": "code", "allow": "Allow"}
        code = code_from(client.post("/o/authorize/", form))

        resp = exchange(code, verifier, app)
        assert resp.status_code == 200, resp.content
        tokens = resp.json()
        claims = verified_claims(tokens["id_token"], app.client_id)
        assert claims["sub"] == str(user.pk)
        assert claims["name"] == "王执法"
        assert claims["unit"] == "第一中队"
        assert claims["preferred_username"] == user.username
        assert claims["nonce"] == "n-456"
        assert claims["iss"].startswith("http://testserver/o")

        info = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        assert info.status_code == 200
        assert info.json()["sub"] == str(user.pk)
        assert info.json()["unit"] == "第一中队"
        assert AccessToken.objects.get(token=tokens["access_token"]).user == user

        # a code is good once
        assert exchange(code, verifier, app).status_code == 400

    def test_pkce_is_required_and_checked(self, app, make_user):
        client = logged_in_client(make_user())
        _, challenge = pkce_pair()
        params = authorize_params(app, challenge)
        del params["code_challenge"], params["code_challenge_method"]
        resp = client.get("/o/authorize/", params)
        assert resp.status_code == 302
        assert resp.url.startswith(REDIRECT + "?error=invalid_request")
        assert "Code+challenge+required" in resp.url

        # a wrong verifier cannot redeem the code; the right one still can
        Application.objects.filter(pk=app.pk).update(skip_authorization=True)
        verifier, challenge = pkce_pair()
        code = code_from(client.get("/o/authorize/", authorize_params(app, challenge)))
        bad = exchange(code, "x" * 50, app)
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
        assert exchange(code, verifier, app).status_code == 200

    def test_skip_authorization_and_denied_consent(self, app, make_user):
        user = make_user()
        client = logged_in_client(user)
        verifier, challenge = pkce_pair()
        params = authorize_params(app, challenge)
        resp = client.post("/o/authorize/", params)  # consent refused: no "allow"
        assert resp.status_code == 302 and "error=access_denied" in resp.url

        Application.objects.filter(pk=app.pk).update(skip_authorization=True)
        code = code_from(client.get("/o/authorize/", params))
        tokens = exchange(code, verifier, app).json()
        assert verified_claims(tokens["id_token"], app.client_id)["sub"] == str(user.pk)

    def test_anonymous_user_is_sent_to_the_teis_login(self, app, make_user):
        make_user(username="ssouser")
        client = Client()
        verifier, challenge = pkce_pair()
        params = authorize_params(app, challenge)
        resp = client.get("/o/authorize/", params)
        assert resp.status_code == 302 and resp.url.startswith("/login/?next=/o/authorize/")
        resp = client.post(resp.url, {"username": "ssouser", "password": TEST_PASSWORD})
        assert resp.status_code == 302 and resp.url.startswith("/o/authorize/")
        assert client.get(resp.url).status_code == 200
