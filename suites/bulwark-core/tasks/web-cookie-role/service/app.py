# A staff portal that keeps the visitor's role in an unsigned cookie.
import base64
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

FLAG = open("flag.txt").read().strip()


def session_of(handler):
    for part in handler.headers.get("Cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "session":
            try:
                return json.loads(base64.b64decode(value))
            except ValueError:
                return None
    return None


class Portal(BaseHTTPRequestHandler):
    def send(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/":
            self.send(200, "<h1>Staff portal</h1><p><a href=\"/login?user=visitor\">Log in as a "
                           "visitor</a> &middot; <a href=\"/profile\">Profile</a> &middot; "
                           "<a href=\"/admin\">Administration</a></p>")
        elif url.path == "/login":
            user = parse_qs(url.query).get("user", ["visitor"])[0][:32]
            cookie = base64.b64encode(json.dumps({"user": user, "role": "visitor"}).encode())
            self.send(302, "", [("Location", "/profile"),
                                ("Set-Cookie", "session=" + cookie.decode() + "; Path=/")])
        elif url.path == "/profile":
            session = session_of(self)
            if not isinstance(session, dict):
                self.send(401, "<p>Please <a href=\"/login\">log in</a>.</p>")
                return
            self.send(200, "<p>User: %s<br>Role: %s</p>" % (session.get("user"), session.get("role")))
        elif url.path == "/admin":
            session = session_of(self)
            if isinstance(session, dict) and session.get("role") == "admin":
                self.send(200, "<p>Administration. Today's launch code: %s</p>" % FLAG)
            else:
                self.send(403, "<p>Administrators only.</p>")
        else:
            self.send(404, "<p>Not found.</p>")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", 8080), Portal).serve_forever()
