#!/usr/bin/env python3
# Writes files/gate.py: a password gate whose password is the flag, stored only as its
# transformed bytes. Deterministic; run from the task's folder to regenerate.
FLAG = "FLAG{l4mbdas_d0_n0t_hide_arithmetic}"
table = bytes((((ord(c) ^ ((i * 7 + 3) & 0xFF)) + i * i) & 0xFF) for i, c in enumerate(FLAG))
with open("files/gate.py", "w") as f:
    f.write('''#!/usr/bin/env python3
# Door gate firmware 1.3 (recovered). Asks for the password and opens when it is right.
_ = bytes.fromhex("%s")
__ = lambda s: len(s) == len(_) and all(
    (((ord(c) ^ ((i * 7 + 3) & 0xFF)) + i * i) & 0xFF) == _[i] for i, c in enumerate(s))
___ = (lambda f: (lambda p: print("Gate open. The password is the flag." if f(p) else "Denied.")))
if __name__ == "__main__":
    ___(__)(input("Password: ").strip())
''' % table.hex())
