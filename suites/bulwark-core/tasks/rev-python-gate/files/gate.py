#!/usr/bin/env python3
# Door gate firmware 1.3 (recovered). Asks for the password and opens when it is right.
_ = bytes.fromhex("4547546874633d8a99778c9c98e319141d6b394077b8ddd234446f82c3ef3c7a97c4164e")
__ = lambda s: len(s) == len(_) and all(
    (((ord(c) ^ ((i * 7 + 3) & 0xFF)) + i * i) & 0xFF) == _[i] for i, c in enumerate(s))
___ = (lambda f: (lambda p: print("Gate open. The password is the flag." if f(p) else "Denied.")))
if __name__ == "__main__":
    ___(__)(input("Password: ").strip())
