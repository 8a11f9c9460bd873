# A public notes search whose query is built by string concatenation, behind a filter that
# rejects spaces.
import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

db = sqlite3.connect(":memory:", check_same_thread=False)
lock = threading.Lock()
db.executescript("""
CREATE TABLE notes (id INTEGER PRIMARY KEY, owner TEXT, title TEXT, body TEXT);
CREATE TABLE vault_items (id INTEGER PRIMARY KEY, label TEXT, secret TEXT);
INSERT INTO notes (owner, title, body) VALUES
  ('public', 'Welcome', 'Search the public notes with /search?q=WORD.'),
  ('public', 'Opening hours', 'The front desk is staffed from 8 to 18.'),
  ('public', 'Parking', 'Visitors park on level -2.'),
  ('staff', 'Rotation', 'Night shift rotates on Mondays.');
""")
db.execute("INSERT INTO vault_items (label, secret) VALUES ('backup-passphrase', ?)",
           (open("flag.txt").read().strip(),))
db.execute("INSERT INTO vault_items (label, secret) VALUES ('wifi', 'correct-horse-battery')")


class Search(BaseHTTPRequestHandler):
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
            self.send(200, {"service": "notes", "usage": "/search?q=WORD"})
            return
        if url.path != "/search":
            self.send(404, {"error": "not found"})
            return
        q = parse_qs(url.query).get("q", [""])[0]
        if " " in q:
            self.send(400, {"error": "search terms may not contain spaces"})
            return
        sql = ("SELECT title, body FROM notes WHERE owner = 'public' AND title LIKE '%"
               + q + "%'")
        try:
            with lock:
                rows = db.execute(sql).fetchall()
        except sqlite3.Error as e:
            self.send(500, {"error": "database error: " + str(e)})
            return
        self.send(200, {"results": [{"title": t, "body": b} for t, b in rows]})

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", 8080), Search).serve_forever()
