#!/usr/bin/env python3
# Writes files/messenger.db: a chat app's SQLite database from which one message, holding the
# flag, was deleted (secure_delete off, never vacuumed), so its sealed body is still in the page.
# Bodies are sealed as files/seal.py does. Deterministic (seeded) in content; run from the task's
# folder to regenerate.
import os
import random
import sqlite3
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, "files")
from seal import seal  # noqa: E402

rng = random.Random(555)
KEY = bytes(rng.randrange(256) for _ in range(12))
path = "files/messenger.db"
if os.path.exists(path):
    os.remove(path)
db = sqlite3.connect(path)
db.execute("PRAGMA secure_delete = OFF")
db.execute("PRAGMA journal_mode = DELETE")
db.executescript("""
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, phone TEXT);
CREATE TABLE messages (id INTEGER PRIMARY KEY, contact_id INTEGER, sent_at TEXT, body BLOB);
""")
db.execute("INSERT INTO settings VALUES ('sealing_key', ?)", (KEY.hex(),))
db.execute("INSERT INTO settings VALUES ('theme', 'dark')")
contacts = ["Mira (pilot)", "Jonas (crane 4)", "Dispatch", "Unknown"]
for i, name in enumerate(contacts, 1):
    db.execute("INSERT INTO contacts VALUES (?, ?, ?)", (i, name, "+1555%07d" % rng.randrange(10 ** 7)))
lines = ["Shift swap on Friday?", "Crane 4 is down again.", "Pilot boarding at 06:40.",
         "Bring the berth plan.", "Customs wants the manifest by noon.", "Tug is late.",
         "Reefer 12 alarm, checked, fine.", "Coffee?", "Gate B closed for paving.",
         "Draft survey done."]
flag_id = None
for i in range(1, 31):
    text = rng.choice(lines)
    contact = rng.randrange(1, 4)
    if i == 19:
        text = "Do not keep this. Container release PIN: FLAG{deleted_is_n0t_g0ne_in_sqlite}"
        contact = 4
        flag_id = i
    db.execute("INSERT INTO messages VALUES (?, ?, ?, ?)",
               (i, contact, "2026-06-14T%02d:%02d:00Z" % (6 + i // 3, rng.randrange(60)),
                seal(text, KEY)))
db.commit()
db.execute("DELETE FROM messages WHERE id = ?", (flag_id,))
db.execute("DELETE FROM messages WHERE id = 7")
db.commit()
db.close()
raw = open(path, "rb").read()
assert seal("Do not keep this. Container release PIN: FLAG{deleted_is_n0t_g0ne_in_sqlite}",
            KEY)[8:] in raw, "the deleted body must survive in the file"
assert b"FLAG{" not in raw
