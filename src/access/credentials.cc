#include "access/credentials.h"

#include <sodium.h>

#include <cstdlib>

#include "base/ids.h"

namespace bulwark::access {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kSecretChars = 52;  // ceil(256 / 5)
constexpr size_t kMinPasswordLength = 12;
constexpr size_t kMaxPasswordLength = 1024;

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // No crypto library: nothing here can run safely.
}

}  // namespace

std::string NewSecret(std::string_view prefix, Random& random) {
  return std::string(prefix) + Base32(random.Bytes(kSecretBytes));
}

bool HasSecretShape(std::string_view text, std::string_view prefix) {
  if (text.size() != prefix.size() + kSecretChars || text.substr(0, prefix.size()) != prefix) {
    return false;
  }
  for (char c : text.substr(prefix.size())) {
    bool digit = c >= '0' && c <= '9';
    bool lower = c >= 'a' && c <= 'z' && c != 'i' && c != 'l' && c != 'o' && c != 'u';
    if (!digit && !lower) return false;
  }
  return true;
}

std::string HashSecret(std::string_view secret) {
  InitSodium();
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  InitSodium();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status ValidateNewPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return Status(
        StatusCode::kInvalidArgument,
        "the password must be at least " + std::to_string(kMinPasswordLength) + " characters long",
        {{"field", "password"}});
  }
  if (password.size() > kMaxPasswordLength) {
    return Status(
        StatusCode::kInvalidArgument,
        "the password must be at most " + std::to_string(kMaxPasswordLength) + " characters long",
        {{"field", "password"}});
  }
  return OkStatus();
}

PasswordHasher::PasswordHasher(Cost cost, int max_concurrent, Duration max_wait)
    : max_wait_(max_wait), slots_(std::max(1, max_concurrent)) {
  InitSodium();
  if (cost == Cost::kInteractive) {
    opslimit_ = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    memlimit_ = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  } else {
    opslimit_ = crypto_pwhash_OPSLIMIT_MIN;
    memlimit_ = crypto_pwhash_MEMLIMIT_MIN;
  }
  StatusOr<std::string> decoy = Hash(NewSecret("decoy_"));
  if (!decoy.ok()) std::abort();  // Out of memory at start-up.
  decoy_hash_ = *decoy;
}

Status PasswordHasher::AcquireSlot() {
  if (slots_.try_acquire_for(max_wait_)) return OkStatus();
  return ResourceExhaustedError("too many sign-ins are in progress; try again in a few seconds");
}

StatusOr<std::string> PasswordHasher::Hash(std::string_view password) {
  BW_RETURN_IF_ERROR(AcquireSlot());
  char out[crypto_pwhash_STRBYTES];
  int rc = crypto_pwhash_str_alg(out, password.data(), password.size(), opslimit_, memlimit_,
                                 crypto_pwhash_ALG_ARGON2ID13);
  slots_.release();
  if (rc != 0) return ResourceExhaustedError("not enough memory to hash the password");
  return std::string(out);
}

StatusOr<bool> PasswordHasher::Verify(std::string_view encoded, std::string_view password) {
  if (encoded.size() >= crypto_pwhash_STRBYTES) return false;
  std::string terminated(encoded);
  BW_RETURN_IF_ERROR(AcquireSlot());
  int rc = crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size());
  slots_.release();
  return rc == 0;
}

}  // namespace bulwark::access
