#include "secrets/envelope.h"

#include <sodium.h>

#include <cassert>

namespace bulwark::secrets {
namespace {

// The first byte of every stored wrapped key and ciphertext: the layout version.
constexpr uint8_t kFormatV1 = 1;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kDataKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
static_assert(kDataKeyBytes == kKeyBytes);

void AppendField(std::string& out, std::string_view field) {
  const uint32_t n = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  out += field;
}

void AppendInt64(std::string& out, int64_t value) {
  const uint64_t v = static_cast<uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

// Associated data: a label naming what is encrypted, then each field length-prefixed so that
// no two different places encode alike.
std::string CiphertextAad(const SecretLocation& at) {
  std::string out = "bulwark.secret.v1";
  AppendField(out, at.table);
  AppendField(out, at.row_id);
  AppendField(out, at.column);
  AppendInt64(out, at.key_version);
  return out;
}

std::string WrappedKeyAad(const SecretLocation& at, std::string_view kek_id) {
  std::string out = "bulwark.data-key.v1";
  AppendField(out, at.table);
  AppendField(out, at.row_id);
  AppendField(out, at.column);
  AppendInt64(out, at.key_version);
  AppendField(out, kek_id);
  return out;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Encrypts `plain` with `key` into format byte || nonce || ciphertext || tag.
std::string Encrypt(std::span<const uint8_t> key, std::string_view aad, std::string_view plain) {
  std::string out(1 + kNonceBytes + plain.size() + kTagBytes, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = kFormatV1;
  randombytes_buf(p + 1, kNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(p + 1 + kNonceBytes, &written, Bytes(plain),
                                             plain.size(), Bytes(aad), aad.size(), nullptr, p + 1,
                                             key.data());
  assert(written == plain.size() + kTagBytes);
  return out;
}

// Decrypts what Encrypt made into guarded memory. DataLoss, with no message, when it does not
// open; the caller says what did not.
StatusOr<SecretBytes> Decrypt(std::span<const uint8_t> key, std::string_view aad,
                              std::string_view sealed) {
  if (sealed.size() < 1 + kNonceBytes + kTagBytes || Bytes(sealed)[0] != kFormatV1) {
    return DataLossError("");
  }
  const size_t plain_size = sealed.size() - 1 - kNonceBytes - kTagBytes;
  BW_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Allocate(plain_size));
  unsigned long long opened = 0;
  const unsigned char* nonce = Bytes(sealed) + 1;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.data(), &opened, nullptr, nonce + kNonceBytes, sealed.size() - 1 - kNonceBytes,
          Bytes(aad), aad.size(), nonce, key.data()) != 0 ||
      opened != plain_size) {
    return DataLossError("");
  }
  return plain;
}

bool DidNotOpen(const Status& status) { return status.code() == StatusCode::kDataLoss; }

std::string Where(const SecretLocation& at) {
  return std::string(at.table) + "." + std::string(at.column) + " of " + std::string(at.row_id);
}

StatusOr<SecretBytes> UnwrapDataKey(const KeyEncryptionKey& kek, const SecretLocation& at,
                                    const Envelope& envelope) {
  assert(kek.id() == envelope.kek_id);
  StatusOr<SecretBytes> data_key =
      Decrypt(kek.bytes(), WrappedKeyAad(at, envelope.kek_id), envelope.wrapped_key);
  if (!data_key.ok() && !DidNotOpen(data_key.status())) return data_key.status();
  if (!data_key.ok() || data_key->size() != kDataKeyBytes) {
    return DataLossError("the data key of the secret " + Where(at) + " does not open with " +
                         kek.Describe() +
                         ": the stored row was altered, or moved from another place");
  }
  return data_key;
}

}  // namespace

StatusOr<Envelope> Seal(const KeyEncryptionKey& kek, const SecretLocation& at,
                        std::string_view plaintext) {
  if (sodium_init() < 0) return InternalError("libsodium could not be initialized");
  BW_ASSIGN_OR_RETURN(SecretBytes data_key, SecretBytes::Allocate(kDataKeyBytes));
  crypto_aead_xchacha20poly1305_ietf_keygen(data_key.data());
  Envelope out;
  out.kek_id = kek.id();
  out.ciphertext = Encrypt(data_key.span(), CiphertextAad(at), plaintext);
  out.wrapped_key = Encrypt(kek.bytes(), WrappedKeyAad(at, kek.id()), data_key.view());
  return out;
}

StatusOr<SecretBytes> OpenEnvelope(const KeyEncryptionKey& kek, const SecretLocation& at,
                                   const Envelope& envelope) {
  BW_ASSIGN_OR_RETURN(SecretBytes data_key, UnwrapDataKey(kek, at, envelope));
  StatusOr<SecretBytes> plain = Decrypt(data_key.span(), CiphertextAad(at), envelope.ciphertext);
  if (!plain.ok() && !DidNotOpen(plain.status())) return plain.status();
  if (!plain.ok()) {
    return DataLossError("the secret " + Where(at) +
                         " does not decrypt: its stored ciphertext was altered, or moved from "
                         "another place");
  }
  return plain;
}

StatusOr<Envelope> Rewrap(const KeyEncryptionKey& from, const KeyEncryptionKey& to,
                          const SecretLocation& at, const Envelope& envelope) {
  BW_ASSIGN_OR_RETURN(SecretBytes data_key, UnwrapDataKey(from, at, envelope));
  Envelope out;
  out.kek_id = to.id();
  out.wrapped_key = Encrypt(to.bytes(), WrappedKeyAad(at, to.id()), data_key.view());
  out.ciphertext = envelope.ciphertext;
  return out;
}

}  // namespace bulwark::secrets
