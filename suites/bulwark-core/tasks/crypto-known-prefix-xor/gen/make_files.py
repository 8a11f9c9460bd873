#!/usr/bin/env python3
# Writes files/message.hex: the task's intercepted message, XORed with a repeating 6-byte key.
# Deterministic; run from the task's folder to regenerate.
import binascii

KEY = b"\x9c\x21\x5e\xd0\x47\xb3"
PLAIN = (b"From: night-desk@harbour-ops.example\n"
         b"To: field-team@harbour-ops.example\n"
         b"Subject: tonight\n\n"
         b"Crane 4 is out of service until Thursday. Use the east gate after 22:00.\n"
         b"Authentication phrase for the gate guard: FLAG{kn0wn_plaintext_br3aks_repeat1ng_x0r}\n"
         b"Destroy this message after reading.\n")
cipher = bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(PLAIN))
hexed = binascii.hexlify(cipher).decode()
with open("files/message.hex", "w") as f:
    for i in range(0, len(hexed), 64):
        f.write(hexed[i:i + 64] + "\n")
