# A document library. Sessions are pickled and signed with a key kept in config.py, which the
# server writes on its first start; documents are served from public/ by name.
import base64
import hashlib
import hmac
import os
import pickle
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

if not os.path.exists("config.py"):
    with open("config.py", "w") as f:
        f.write("# Library settings\nSECRET_KEY = %r\nSITE_NAME = 'Document library'\n"
                % os.urandom(16).hex())
import config  # noqa: E402

ALLOWED = (".txt", ".md", ".py", ".css")


def sign(data):
    return hmac.new(config.SECRET_KEY.encode(), data, hashlib.sha256).hexdigest()


def dump_session(session):
    data = pickle.dumps(session)
    return base64.b64encode(data).decode() + "." + sign(data)


def load_session(cookie):
    encoded, _, signature = cookie.partition(".")
    try:
        data = base64.b64decode(encoded)
    except ValueError:
        return None
    if not hmac.compare_digest(sign(data), signature):
        return None
    return pickle.loads(data)


class Library(BaseHTTPRequestHandler):
    def send(self, status, body, content_type="text/html; charset=utf-8", headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def cookie(self):
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "session":
                return value
        return None

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/":
            docs = "".join('<li><a href="/download?name=%s">%s</a></li>' % (n, n)
                           for n in sorted(os.listdir("public")))
            self.send(200, "<h1>%s</h1><ul>%s</ul><p><a href=\"/profile\">Your profile</a></p>"
                      % (config.SITE_NAME, docs))
        elif url.path == "/download":
            name = parse_qs(url.query).get("name", [""])[0]
            name = name.replace("../", "")  # no climbing out of public/
            if not name.endswith(ALLOWED):
                self.send(403, "<p>Only documents may be downloaded.</p>")
                return
            try:
                with open(os.path.join("public", name), "rb") as f:
                    self.send(200, f.read(), "text/plain; charset=utf-8")
            except OSError:
                self.send(404, "<p>No such document.</p>")
        elif url.path == "/profile":
            cookie = self.cookie()
            session = load_session(cookie) if cookie else None
            if not isinstance(session, dict):
                session = {"user": "reader"}
                self.send(200, "<p>Welcome, reader. A session was started for you.</p>",
                          headers=[("Set-Cookie", "session=" + dump_session(session) + "; Path=/")])
                return
            self.send(200, "<p>Welcome back, %s.</p>" % session.get("user"))
        else:
            self.send(404, "<p>Not found.</p>")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", 8080), Library).serve_forever()
