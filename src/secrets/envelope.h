// Envelope encryption of one secret: the cryptography under the secrets store, with no storage.
//
// Sealing a secret makes a fresh random 32-byte data key, encrypts the plaintext with it, and
// wraps (encrypts) the data key with a key-encryption key (KEK) from the operator's key file.
// Both encryptions are XChaCha20-Poly1305 (libsodium's IETF AEAD) with a random 24-byte nonce,
// and both carry, as associated data, where the secret lives: the owner table, the owner's
// row id, the owner column and the key version (which counts the data keys that place has
// had). The wrapped key's associated data names the KEK's id too. A ciphertext or a wrapped
// key copied into another row, another column or another version, or paired with another
// KEK id, no longer opens; neither does one altered by a single bit. docs/secrets.md gives
// the exact byte layout.
//
// Keys and nonces come from libsodium's CSPRNG, not from the injectable bulwark::Random: they
// must never be reproducible, not even in tests (which check behaviour, not bytes).
//
// Rewrap() is what key rotation does: it opens the data key with one KEK and wraps it with
// another, leaving the ciphertext as it is.
//
// Used by SecretStore (secret_store.h); services use SecretStore, not this.
//
// Thread-safety: pure functions, safe from any thread.
//
// Example:
//   SecretLocation at{"model_endpoints", endpoint_id, "credential", 1};
//   BW_ASSIGN_OR_RETURN(Envelope sealed, Seal(keyring.primary(), at, api_key));
//   BW_ASSIGN_OR_RETURN(SecretBytes plain, OpenEnvelope(keyring.primary(), at, sealed));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "secrets/key_file.h"
#include "secrets/secret_bytes.h"

namespace bulwark::secrets {

// Where a secret lives, bound into its encryption.
struct SecretLocation {
  std::string_view table;   // the owner table, such as "model_endpoints"
  std::string_view row_id;  // the owner row's id
  std::string_view column;  // the owner column, such as "credential"
  int64_t key_version = 1;  // 1 for a place's first data key, +1 for each later one
};

// A sealed secret as it is stored. The byte strings hold no plaintext and no key.
struct Envelope {
  std::string kek_id;       // the id of the KEK that wrapped the data key
  std::string wrapped_key;  // format byte, nonce, encrypted data key and tag (73 bytes)
  std::string ciphertext;   // format byte, nonce, encrypted plaintext and tag
};

// Encrypts `plaintext` under a new data key wrapped by `kek`.
StatusOr<Envelope> Seal(const KeyEncryptionKey& kek, const SecretLocation& at,
                        std::string_view plaintext);

// Decrypts a sealed secret. DataLoss when the envelope does not open: it was altered, or it is
// not the one sealed for `at`. REQUIRES: kek.id() == envelope.kek_id.
StatusOr<SecretBytes> OpenEnvelope(const KeyEncryptionKey& kek, const SecretLocation& at,
                                   const Envelope& envelope);

// Unwraps the data key with `from` and wraps it with `to`; the ciphertext is kept. DataLoss
// as for OpenEnvelope. REQUIRES: from.id() == envelope.kek_id.
StatusOr<Envelope> Rewrap(const KeyEncryptionKey& from, const KeyEncryptionKey& to,
                          const SecretLocation& at, const Envelope& envelope);

}  // namespace bulwark::secrets
