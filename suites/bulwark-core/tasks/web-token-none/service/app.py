# An API that issues HMAC-signed JSON Web Tokens and honours whatever algorithm a token names.
import base64
import hashlib
import hmac
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

KEY = os.urandom(32)
FLAG = open("flag.txt").read().strip()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(claims):
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(KEY, (head + "." + body).encode(), hashlib.sha256).digest()
    return head + "." + body + "." + b64(sig)


def verify(token):
    try:
        head, body, sig = token.split(".")
        header = json.loads(unb64(head))
        claims = json.loads(unb64(body))
    except ValueError:
        return None
    alg = str(header.get("alg", "")).upper()
    if alg == "HS256":
        expected = hmac.new(KEY, (head + "." + body).encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, unb64(sig) if sig else b""):
            return None
    elif alg != "NONE":
        return None
    return claims if isinstance(claims, dict) else None


class Api(BaseHTTPRequestHandler):
    def send(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/":
            self.send(200, {"endpoints": ["/api/token?user=NAME", "/api/whoami", "/api/vault"]})
        elif url.path == "/api/token":
            user = parse_qs(url.query).get("user", ["guest"])[0][:32]
            if user == "admin":
                self.send(403, {"error": "tokens for admin are issued in person"})
                return
            self.send(200, {"token": issue({"sub": user, "scope": "read:public"})})
        elif url.path in ("/api/whoami", "/api/vault"):
            auth = self.headers.get("Authorization", "")
            claims = verify(auth[7:]) if auth.startswith("Bearer ") else None
            if claims is None:
                self.send(401, {"error": "a valid bearer token is required"})
            elif url.path == "/api/whoami":
                self.send(200, claims)
            elif claims.get("sub") != "admin":
                self.send(403, {"error": "the vault is for admin only"})
            else:
                self.send(200, {"vault": FLAG})
        else:
            self.send(404, {"error": "not found"})

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", 8080), Api).serve_forever()
