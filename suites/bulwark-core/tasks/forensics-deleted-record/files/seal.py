# Harbour Messenger: how message bodies are sealed before they are stored (from the app's
# source). The sealing key is the hex string stored under settings.sealing_key.
import zlib


def seal(text: str, key: bytes) -> bytes:
    packed = zlib.compress(text.encode("utf-8"))
    return bytes(b ^ key[i % len(key)] for i, b in enumerate(packed))
