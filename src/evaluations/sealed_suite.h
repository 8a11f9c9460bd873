// Sealed suites: a confidential suite carried as one encrypted file from the person who wrote it
// to the server, opened only there (in memory) with the platform's secrets key.
//
// A bundle is JSON: {"format": "bulwark-sealed-suite-1", "name", "version", "hash", "tasks",
// "canary", "kek_id", "wrapped_key", "ciphertext"}, the last two base64. The suite document
// (evals/suite_codec.h) is encrypted by the secrets' envelope (secrets/envelope.h: a fresh data
// key, XChaCha20-Poly1305, wrapped by the key-encryption key `kek_id`), bound to the place
// ("sealed_suites", HASH, "document"), so a bundle whose stated hash was changed no longer opens.
// The clear fields say what the bundle is without its content. Sealing requires a canary
// (evals/task.h), carried by every task file.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "evals/task.h"
#include "secrets/key_file.h"

namespace bulwark::evaluations {

// FailedPrecondition for a suite without a canary.
StatusOr<std::string> SealSuite(const evals::Suite& suite, const secrets::KeyEncryptionKey& kek);

// Whether `document` is a sealed bundle (by its format field) rather than a suite document.
bool IsSealedBundle(std::string_view document);

// InvalidArgument for a bundle that is not one; FailedPrecondition when it was sealed with a key
// `keyring` does not hold (naming the key's id); DataLoss when it does not open (altered) or its
// content does not hash to the hash it states.
StatusOr<evals::Suite> OpenSealedSuite(std::string_view bundle, const secrets::Keyring& keyring);

}  // namespace bulwark::evaluations
