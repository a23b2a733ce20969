"""A Web Push service on 127.0.0.1 that checks what a real one checks, and a browser's side of it.

The service verifies the VAPID Authorization header (RFC 8292: an ES256 JWT
signed with the server's private key, whose public key travels in k=) and
keeps the encrypted body; the "browser" holds the subscription's private key
and auth secret and decrypts the aes128gcm payload (RFC 8291) with http_ece.
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""

    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth_secret, version="aes128gcm")
        return json.loads(plain)


def verify_vapid(authorization: str, expected_public_key: str, expected_audience: str) -> dict:
    """Check the header as a push service does; returns the JWT claims or raises AssertionError."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid", authorization
    parts = dict(item.split("=", 1) for item in params.split(","))
    assert parts["k"] == expected_public_key, "signed with another server's key"
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    header = json.loads(unb64url(header_b64))
    assert header["alg"] == "ES256", header
    signature = unb64url(signature_b64)
    assert len(signature) == 64, "ES256 signatures are r || s, 32 bytes each"
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(expected_public_key))
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID signature does not verify") from None
    claims = json.loads(unb64url(claims_b64))
    assert claims["aud"] == expected_audience, claims
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, "RFC 8292: exp at most 24 hours ahead"
    return claims


@dataclass
class Push:
    path: str
    headers: dict
    body: bytes


@dataclass
class PushService:
    """Records every POST; answers 201 unless a path is scripted with another status."""

    statuses: dict[str, int] = field(default_factory=dict)
    received: list[Push] = field(default_factory=list)

    def __post_init__(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append(Push(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(service.statuses.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
