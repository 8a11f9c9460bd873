# A token service: hands out one encrypted session token and checks tokens sent back, saying
# whether their padding was wrong. The block cipher is a 16-byte Feistel network keyed with a
# random key (the attack does not depend on it); tokens are IV || CBC ciphertext, PKCS#7 padded.
import hashlib
import json
import os
import socket
import socketserver

KEY = os.urandom(32)
FLAG = open("flag.txt").read().strip()
ROUNDS = 4  # Luby and Rackoff: four rounds of a pseudorandom function make a strong permutation


def round_function(i, half):
    return hashlib.blake2b(bytes([i]) + half, key=KEY, digest_size=8).digest()


def xor(a, b):
    return (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(len(a), "little")


def encrypt_block(block):
    left, right = block[:8], block[8:]
    for i in range(ROUNDS):
        left, right = right, xor(left, round_function(i, right))
    return left + right


def decrypt_block(block):
    left, right = block[:8], block[8:]
    for i in reversed(range(ROUNDS)):
        left, right = xor(right, round_function(i, left)), left
    return left + right


def encrypt(plain):
    pad = 16 - len(plain) % 16
    plain += bytes([pad]) * pad
    iv = os.urandom(16)
    out, previous = [iv], iv
    for i in range(0, len(plain), 16):
        previous = encrypt_block(xor(plain[i:i + 16], previous))
        out.append(previous)
    return b"".join(out)


def decrypt(token):
    if len(token) < 32 or len(token) % 16:
        raise ValueError("length")
    blocks = [token[i:i + 16] for i in range(0, len(token), 16)]
    plain = b"".join(xor(decrypt_block(c), p) for p, c in zip(blocks, blocks[1:]))
    pad = plain[-1]
    if not 1 <= pad <= 16 or plain[-pad:] != bytes([pad]) * pad:
        raise ValueError("padding")
    return plain[:-pad]


TOKEN = encrypt(json.dumps({"user": "courier", "handover": FLAG}).encode()).hex()


class Handler(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        self.wfile.write(b"Token service. Your session token:\n" + TOKEN.encode() + b"\n"
                         b"Commands: check HEX (is this token valid?), quit\n")
        for line in self.rfile:
            words = line.decode("latin-1").split()
            if not words:
                continue
            if words[0] == "quit":
                return
            if words[0] != "check" or len(words) != 2:
                self.wfile.write(b"unknown command\n")
                continue
            try:
                plain = decrypt(bytes.fromhex(words[1]))
            except ValueError as e:
                self.wfile.write(b"error: bad padding\n" if str(e) == "padding"
                                 else b"error: malformed token\n")
                continue
            try:
                session = json.loads(plain)
                reply = "ok: welcome back, %s\n" % session["user"]
            except (ValueError, KeyError, TypeError):
                reply = "error: not a session\n"
            self.wfile.write(reply.encode())


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server(("127.0.0.1", 9000), Handler).serve_forever()
