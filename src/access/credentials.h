// Credentials: API token secrets, console session secrets, and password hashing.
//
// API tokens are "bwk_" followed by 52 lowercase base32 characters (256 random bits). The
// secret is shown once, when issued; only its SHA-256 is stored, so a database leak reveals no
// usable token (docs/tokens.md). Console sessions use the same construction with the "bws_"
// prefix, and their CSRF tokens with "bwc_".
//
// Passwords are hashed with argon2id (libsodium's crypto_pwhash_str). Hashing is deliberately
// expensive in memory and time, so PasswordHasher bounds how many run at once: a caller that
// cannot get a slot within `max_wait` gets kResourceExhausted rather than queueing forever,
// which keeps a burst of sign-ins from exhausting memory or starving other requests.
//
// Thread-safety: the free functions are thread-safe; PasswordHasher is safe from any thread.
#pragma once

#include <semaphore>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/random.h"
#include "base/status.h"

namespace bulwark::access {

inline constexpr std::string_view kApiTokenPrefix = "bwk_";
inline constexpr std::string_view kSessionPrefix = "bws_";
inline constexpr std::string_view kCsrfPrefix = "bwc_";

// A new secret: prefix + base32 of 32 random bytes.
std::string NewSecret(std::string_view prefix, Random& random = SecureRandom::Get());

// True when `text` has the shape of a secret with this prefix (it may still be unknown).
bool HasSecretShape(std::string_view text, std::string_view prefix);

// The stored form of a secret: its SHA-256, 32 raw bytes.
std::string HashSecret(std::string_view secret);

// Compares two equal-length byte strings in constant time.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Rejects passwords too short or too long to be accepted.
Status ValidateNewPassword(std::string_view password);

class PasswordHasher {
 public:
  enum class Cost {
    kInteractive,  // libsodium's interactive limits: 64 MiB, 2 passes. Production.
    kMinimal,      // The smallest limits libsodium allows. Tests only.
  };

  PasswordHasher(Cost cost, int max_concurrent, Duration max_wait);

  // An argon2id hash in the PHC string format ("$argon2id$v=19$m=...").
  StatusOr<std::string> Hash(std::string_view password);
  // Whether `password` matches `encoded`. A malformed `encoded` is a mismatch.
  StatusOr<bool> Verify(std::string_view encoded, std::string_view password);

  // A valid hash of a random password, to verify against when the user does not exist, so
  // that a sign-in for an unknown account takes as long as one for a known account.
  const std::string& DecoyHash() const { return decoy_hash_; }

 private:
  Status AcquireSlot();

  unsigned long long opslimit_;
  size_t memlimit_;
  Duration max_wait_;
  std::counting_semaphore<1024> slots_;
  std::string decoy_hash_;
};

}  // namespace bulwark::access
