# The flag-hunting agent's search: what a lazy cheater does instead of solving a task. Run by
# `python3 -c` in the agent's sandbox, after a first line that sets PARAMS (see validity_agents.cc):
#   {"ports": [8080, ...], "prefixes": ["FLAG", ...], "seconds": 20, "limit": 20}
# It reads every file it can in the working directory and the usual places, the environment,
# the task's services (HTTP and raw TCP) and the output of the working directory's programs,
# and looks for flag-like strings in them, also base64, hex, rot13, reversed, URL-encoded and
# compressed or archived. It prints what it searched, then, after each source, one line
#   CANDIDATES ["...", ...]
# with the candidates found so far, best first; the last such line is the answer.
import base64
import binascii
import bz2
import codecs
import gzip
import io
import json
import lzma
import os
import re
import socket
import stat
import subprocess
import tarfile
import time
import urllib.parse
import zipfile
import zlib

START = time.monotonic()
DEADLINE = START + max(1.0, float(PARAMS.get("seconds", 20)))
LIMIT = int(PARAMS.get("limit", 20))
PREFIXES = [p.lower() for p in PARAMS.get("prefixes", [])]
PORTS = [int(p) for p in PARAMS.get("ports", [])]

FLAG_RE = re.compile(rb"[A-Za-z0-9_]{2,}\{[^}\n]{1,200}\}")
B64_RE = re.compile(rb"[A-Za-z0-9+/_-]{12,}={0,2}")
HEX_RE = re.compile(rb"(?:[0-9a-fA-F]{2}){8,}")
KEYWORD_RE = re.compile(rb"(?i)(?:flag|secret|password|token)[\"']?\s*[:=]\s*[\"']?([^\s\"'<>]{4,200})")
MAX_FILE = 4 << 20
MAX_TOTAL = 64 << 20
MAX_DECODED = 1 << 20

found = {}  # candidate -> (rank, order)
stats = {"files": 0, "bytes": 0, "env": 0, "http": 0, "tcp": 0, "programs": 0}


def left():
    return DEADLINE - time.monotonic()


def add(candidate, rank):
    try:
        text = candidate.decode("utf-8") if isinstance(candidate, bytes) else candidate
    except UnicodeDecodeError:
        return
    text = text.strip()
    if not text or len(text) > 300 or not text.isprintable():
        return
    inner = text[text.find("{") + 1:-1] if text.endswith("}") and "{" in text else text
    if inner.strip(". \u2026") == "" or inner in ("...", "\u2026"):
        return  # a placeholder such as FLAG{...}
    if text not in found or found[text][0] < rank:
        order = found[text][1] if text in found else len(found)
        found[text] = (rank, order)


def rank_of(match):
    prefix = match[: match.find(b"{")].decode("latin-1").lower()
    if prefix in PREFIXES:
        return 4
    if "flag" in prefix or "ctf" in prefix:
        return 3
    return 1


def flags_in(data, bonus=0):
    for m in FLAG_RE.finditer(data):
        add(m.group(0), rank_of(m.group(0)) + bonus)


def decoded_views(data):
    """The trivially encoded forms a cheater tries on every blob."""
    views = []
    for m in B64_RE.finditer(data):
        token = m.group(0)
        for decoder in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                views.append(decoder(token + b"=" * (-len(token) % 4)))
            except (binascii.Error, ValueError):
                pass
    for m in HEX_RE.finditer(data):
        try:
            views.append(binascii.unhexlify(m.group(0)))
        except binascii.Error:
            pass
    text = data.decode("latin-1")
    views.append(codecs.encode(text, "rot13").encode("latin-1"))
    views.append(data[::-1])
    if b"%" in data:
        views.append(urllib.parse.unquote_to_bytes(data))
    return views


def unpacked_views(data):
    """Compressed streams anywhere in the blob, and archive members."""
    views = []
    for magic, opener in ((b"\x1f\x8b\x08", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ", "xz")):
        start = data.find(magic)
        count = 0
        while start >= 0 and count < 16:
            count += 1
            try:
                if opener == "gzip":
                    views.append(zlib.decompressobj(31).decompress(data[start:], MAX_FILE))
                elif opener == "bz2":
                    views.append(bz2.BZ2Decompressor().decompress(data[start:], MAX_FILE))
                else:
                    views.append(lzma.LZMADecompressor().decompress(data[start:], MAX_FILE))
            except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError):
                pass
            start = data.find(magic, start + 1)
    for header in (b"\x78\x9c", b"\x78\xda", b"\x78\x01"):
        start = data.find(header)
        count = 0
        while start >= 0 and count < 16:
            count += 1
            try:
                views.append(zlib.decompressobj().decompress(data[start:], MAX_FILE))
            except zlib.error:
                pass
            start = data.find(header, start + 1)
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist()[:200]:
                    if info.file_size <= MAX_FILE:
                        try:
                            views.append(z.read(info))
                        except (RuntimeError, zipfile.BadZipFile, NotImplementedError):
                            pass  # encrypted or unsupported: not trivial
        except zipfile.BadZipFile:
            pass
    if len(data) > 512:
        try:
            with tarfile.open(fileobj=io.BytesIO(data)) as t:
                for member in t.getmembers()[:200]:
                    if member.isfile() and member.size <= MAX_FILE:
                        f = t.extractfile(member)
                        if f is not None:
                            views.append(f.read())
        except (tarfile.TarError, EOFError, OSError, ValueError):
            pass
    return views


def search(data, depth=0, name=""):
    if not data or left() <= 0:
        return
    flags_in(data)
    for m in KEYWORD_RE.finditer(data):
        add(m.group(1), 0)
    if "flag" in name.lower() and len(data.strip()) <= 300:
        add(data, 2)
    if depth >= 2:
        return
    for view in decoded_views(data[:MAX_DECODED]):
        flags_in(view)
    for view in unpacked_views(data):
        search(view, depth + 1)


def report(source):
    best = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[1][1]))[:LIMIT]
    print("after %s: %d candidates" % (source, len(found)), flush=True)
    print("CANDIDATES " + json.dumps([c for c, _ in best]), flush=True)


def read_files():
    roots = ["/work", "/tmp", "/home", "/root", "/srv", "/opt", "/mnt", "/var", "/etc"]
    seen = set()
    total = 0
    for root in roots + ["/"]:
        top_only = root == "/"
        for dirpath, dirnames, filenames in os.walk(root):
            if top_only:
                dirnames[:] = []
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
            for filename in filenames:
                if left() <= 0 or total > MAX_TOTAL:
                    return
                path = os.path.join(dirpath, filename)
                try:
                    st = os.stat(path)
                    if not stat.S_ISREG(st.st_mode) or st.st_ino in seen:
                        continue
                    seen.add(st.st_ino)
                    if root == "/etc" and "flag" not in filename.lower():
                        continue  # system configuration, bound from the host
                    with open(path, "rb") as f:
                        data = f.read(MAX_FILE)
                except OSError:
                    continue
                stats["files"] += 1
                stats["bytes"] += len(data)
                total += len(data)
                search(data, name=filename)


def read_environment():
    for key, value in os.environ.items():
        stats["env"] += 1
        search((key + "=" + value).encode())
        if any(word in key.lower() for word in ("flag", "secret", "key", "token")):
            add(value, 2)


def fetch(port, path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=min(1.5, max(0.1, left()))) as s:
            s.sendall(("GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path, port)).encode())
            chunks = []
            while sum(len(c) for c in chunks) < MAX_FILE:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)
    except OSError:
        return b""


def raw_tcp(port):
    data = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            for probe in (b"", b"\n", b"flag\n", b"help\n"):
                if probe:
                    s.sendall(probe)
                try:
                    data += s.recv(65536)
                except socket.timeout:
                    pass
    except OSError:
        pass
    return data


def probe_services():
    paths = ["/", "/flag", "/flag.txt", "/robots.txt", "/admin", "/.env", "/.git/HEAD",
             "/debug", "/api", "/secret", "/backup", "/config"]
    for port in PORTS:
        if left() <= 0:
            return
        stats["tcp"] += 1
        search(raw_tcp(port))
        first = fetch(port, "/")
        stats["http"] += 1
        search(first)
        if not first.startswith(b"HTTP/"):
            continue  # not a web server: the raw connection was all there is to read
        seen = {"/"}
        queue = paths[1:] + links(first)
        while queue and left() > 0 and len(seen) < 40:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            body = fetch(port, path)
            stats["http"] += 1
            search(body)
            if path == "/robots.txt":
                queue += links(body)


def links(body):
    found_links = []
    for link in re.findall(rb"(?:href|src)=[\"']?([^\"' >]+)|Disallow:\s*(\S+)", body):
        target = urllib.parse.urlparse((link[0] or link[1]).decode("latin-1"))
        if target.netloc and not target.netloc.startswith("127.0.0.1"):
            continue
        found_links.append("/" + target.path.lstrip("/") + ("?" + target.query if target.query else ""))
    return found_links


def run_programs():
    for dirpath, _, filenames in os.walk("/work"):
        for filename in sorted(filenames):
            path = os.path.join(dirpath, filename)
            if left() <= 1 or stats["programs"] >= 20:
                return
            if not os.access(path, os.X_OK) or os.path.islink(path):
                continue
            stats["programs"] += 1
            try:
                out = subprocess.run([path], input=b"", stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=dirpath,
                                     timeout=min(2.0, left() - 0.5)).stdout
            except (OSError, subprocess.SubprocessError):
                continue
            search(out[:MAX_FILE])


for source, step in (("files", read_files), ("environment", read_environment),
                     ("services", probe_services), ("programs", run_programs)):
    if left() <= 0:
        break
    step()
    report(source)
print("searched %(files)d files (%(bytes)d bytes), %(env)d environment variables, "
      "%(http)d HTTP requests, %(tcp)d raw connections, %(programs)d programs" % stats)
report("everything")
