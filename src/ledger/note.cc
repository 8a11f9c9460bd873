#include "ledger/note.h"

#include <sodium.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

#include "ledger/internal/text.h"

namespace bulwark::ledger {
namespace {

using internal::DecodeBase64;
using internal::EncodeBase64;

// U+2014 EM DASH and a space: how every signature line starts.
constexpr std::string_view kSignaturePrefix = "\xe2\x80\x94 ";
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";
constexpr size_t kKeyHashBytes = 4;

using Key32 = std::array<uint8_t, 32>;

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // No crypto library: nothing here can run safely.
}

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Code points Unicode classes as white space (Go's unicode.IsSpace).
bool IsUnicodeSpace(char32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

// Splits `text` at the first `sep`: returns the part before it and leaves the rest in *text.
// Returns nullopt when there is no `sep`.
std::optional<std::string_view> Chop(std::string_view* text, char sep) {
  size_t at = text->find(sep);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view head = text->substr(0, at);
  text->remove_prefix(at + 1);
  return head;
}

// Exactly eight lowercase or uppercase hex digits.
std::optional<uint32_t> ParseKeyHashHex(std::string_view hex) {
  if (hex.size() != 8) return std::nullopt;
  uint32_t value = 0;
  for (char c : hex) {
    uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    value = (value << 4) | digit;
  }
  return value;
}

std::string KeyHashHex(uint32_t key_hash) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", key_hash);
  return std::string(buf, 8);
}

std::string EncodeKeyHash(uint32_t key_hash) {
  std::string out(kKeyHashBytes, '\0');
  for (size_t i = 0; i < kKeyHashBytes; ++i) {
    out[i] = static_cast<char>((key_hash >> (8 * (kKeyHashBytes - 1 - i))) & 0xff);
  }
  return out;
}

uint32_t DecodeKeyHash(std::string_view bytes) {
  uint32_t value = 0;
  for (size_t i = 0; i < kKeyHashBytes; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

// The base64 key part "0x01 || 32 bytes" of a key encoding.
StatusOr<Key32> DecodeEd25519KeyMaterial(std::string_view b64, std::string_view what) {
  std::optional<std::string> raw = DecodeBase64(b64);
  if (!raw || raw->empty()) {
    return InvalidArgumentError(std::string(what) + ": the key is not valid base64");
  }
  if (static_cast<uint8_t>((*raw)[0]) != kEd25519SignatureType) {
    return InvalidArgumentError(std::string(what) + ": unsupported signature type " +
                                std::to_string(static_cast<uint8_t>((*raw)[0])) +
                                " (only 1, Ed25519, is supported)");
  }
  if (raw->size() != 33) {
    return InvalidArgumentError(std::string(what) + ": an Ed25519 key must be 32 bytes, not " +
                                std::to_string(raw->size() - 1));
  }
  std::array<uint8_t, 32> key;
  std::copy(raw->begin() + 1, raw->end(), key.begin());
  return key;
}

class Ed25519Signer final : public NoteSigner {
 public:
  Ed25519Signer(std::string name, uint32_t key_hash,
                const std::array<uint8_t, crypto_sign_SECRETKEYBYTES>& secret_key)
      : name_(std::move(name)), key_hash_(key_hash), secret_key_(secret_key) {}
  ~Ed25519Signer() override { sodium_memzero(secret_key_.data(), secret_key_.size()); }

  std::string_view name() const override { return name_; }
  uint32_t key_hash() const override { return key_hash_; }

  StatusOr<std::string> Sign(std::string_view message) override {
    std::string signature(crypto_sign_BYTES, '\0');
    if (crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                             Bytes(message), message.size(), secret_key_.data()) != 0) {
      return InternalError("Ed25519 signing failed");
    }
    return signature;
  }

 private:
  const std::string name_;
  const uint32_t key_hash_;
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> secret_key_;
};

class Ed25519Verifier final : public NoteVerifier {
 public:
  Ed25519Verifier(std::string name, uint32_t key_hash, const std::array<uint8_t, 32>& public_key)
      : name_(std::move(name)), key_hash_(key_hash), public_key_(public_key) {}

  std::string_view name() const override { return name_; }
  uint32_t key_hash() const override { return key_hash_; }

  bool Verify(std::string_view message, std::string_view signature) const override {
    return signature.size() == crypto_sign_BYTES &&
           crypto_sign_verify_detached(Bytes(signature), Bytes(message), message.size(),
                                       public_key_.data()) == 0;
  }

 private:
  const std::string name_;
  const uint32_t key_hash_;
  const std::array<uint8_t, 32> public_key_;
};

std::string VerifierKeyText(std::string_view name, uint32_t key_hash,
                            std::span<const uint8_t, 32> public_key) {
  std::string material(1, static_cast<char>(kEd25519SignatureType));
  material.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  return std::string(name) + "+" + KeyHashHex(key_hash) + "+" + EncodeBase64(material);
}

}  // namespace

NoteSigner::~NoteSigner() = default;
NoteVerifier::~NoteVerifier() = default;

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  while (!name.empty()) {
    char32_t cp = 0;
    size_t n = internal::DecodeUtf8(name, &cp);
    if (n == 0 || cp == '+' || IsUnicodeSpace(cp)) return false;
    name.remove_prefix(n);
  }
  return true;
}

uint32_t Ed25519KeyHash(std::string_view name, std::span<const uint8_t, 32> public_key) {
  InitSodium();
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, Bytes(name), name.size());
  const uint8_t separator[2] = {'\n', kEd25519SignatureType};
  crypto_hash_sha256_update(&state, separator, sizeof separator);
  crypto_hash_sha256_update(&state, public_key.data(), public_key.size());
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return DecodeKeyHash(std::string_view(reinterpret_cast<const char*>(digest), kKeyHashBytes));
}

StatusOr<std::unique_ptr<NoteSigner>> NewEd25519Signer(std::string_view private_key) {
  InitSodium();
  // Error messages never quote the key: it is a secret.
  constexpr std::string_view kWhat = "private note key";
  if (!private_key.starts_with(kPrivateKeyPrefix)) {
    return InvalidArgumentError("private note key: expected PRIVATE+KEY+<name>+<hash>+<key>");
  }
  std::string_view rest = private_key.substr(kPrivateKeyPrefix.size());
  std::optional<std::string_view> name = Chop(&rest, '+');
  std::optional<std::string_view> hash_hex = Chop(&rest, '+');
  if (!name || !hash_hex) {
    return InvalidArgumentError("private note key: expected PRIVATE+KEY+<name>+<hash>+<key>");
  }
  if (!IsValidKeyName(*name)) {
    return InvalidArgumentError(
        "private note key: the name must be non-empty UTF-8 without '+' or spaces");
  }
  std::optional<uint32_t> key_hash = ParseKeyHashHex(*hash_hex);
  if (!key_hash) {
    return InvalidArgumentError("private note key: the key hash must be 8 hex digits");
  }
  BW_ASSIGN_OR_RETURN(Key32 seed, DecodeEd25519KeyMaterial(rest, kWhat));
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> public_key;
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> secret_key;
  crypto_sign_seed_keypair(public_key.data(), secret_key.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  auto signer = std::make_unique<Ed25519Signer>(std::string(*name), *key_hash, secret_key);
  sodium_memzero(secret_key.data(), secret_key.size());
  if (Ed25519KeyHash(*name, public_key) != *key_hash) {
    return InvalidArgumentError("private note key: the key hash does not match the key");
  }
  return std::unique_ptr<NoteSigner>(std::move(signer));
}

StatusOr<std::unique_ptr<NoteVerifier>> NewEd25519Verifier(std::string_view verifier_key) {
  InitSodium();
  std::string_view rest = verifier_key;
  std::optional<std::string_view> name = Chop(&rest, '+');
  std::optional<std::string_view> hash_hex = Chop(&rest, '+');
  if (!name || !hash_hex) {
    return InvalidArgumentError("verifier key: expected <name>+<hash>+<key>");
  }
  if (!IsValidKeyName(*name)) {
    return InvalidArgumentError(
        "verifier key: the name must be non-empty UTF-8 without '+' or spaces");
  }
  std::optional<uint32_t> key_hash = ParseKeyHashHex(*hash_hex);
  if (!key_hash) {
    return InvalidArgumentError("verifier key \"" + std::string(*name) +
                                "\": the key hash must be 8 hex digits");
  }
  std::string what = "verifier key \"" + std::string(*name) + "\"";
  BW_ASSIGN_OR_RETURN(Key32 public_key, DecodeEd25519KeyMaterial(rest, what));
  if (Ed25519KeyHash(*name, public_key) != *key_hash) {
    return InvalidArgumentError(what + ": the key hash does not match the key");
  }
  return std::unique_ptr<NoteVerifier>(
      std::make_unique<Ed25519Verifier>(std::string(*name), *key_hash, public_key));
}

StatusOr<GeneratedKey> GenerateEd25519Key(std::string_view name, Random& random) {
  InitSodium();
  if (!IsValidKeyName(name)) {
    return InvalidArgumentError("note key name \"" + std::string(name) +
                                "\": must be non-empty UTF-8 without '+' or spaces");
  }
  std::array<uint8_t, crypto_sign_SEEDBYTES> seed;
  random.Fill(seed);
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> public_key;
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> secret_key;
  crypto_sign_seed_keypair(public_key.data(), secret_key.data(), seed.data());
  sodium_memzero(secret_key.data(), secret_key.size());
  const uint32_t key_hash = Ed25519KeyHash(name, public_key);

  std::string material(1, static_cast<char>(kEd25519SignatureType));
  material.append(reinterpret_cast<const char*>(seed.data()), seed.size());
  sodium_memzero(seed.data(), seed.size());
  GeneratedKey key;
  key.private_key = std::string(kPrivateKeyPrefix) + std::string(name) + "+" +
                    KeyHashHex(key_hash) + "+" + EncodeBase64(material);
  sodium_memzero(material.data(), material.size());
  key.verifier_key = VerifierKeyText(name, key_hash, public_key);
  return key;
}

StatusOr<Note> ParseNote(std::string_view signed_note) {
  if (!internal::IsNoteText(signed_note)) {
    return InvalidArgumentError(
        "malformed note: not valid UTF-8, or contains control characters other than newline");
  }
  // The text ends at the last blank line; the signature block follows it.
  size_t split = signed_note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return InvalidArgumentError("malformed note: no blank line before the signatures");
  }
  Note note;
  note.text = std::string(signed_note.substr(0, split + 1));
  std::string_view block = signed_note.substr(split + 2);
  if (block.empty()) return InvalidArgumentError("malformed note: no signature lines");
  if (block.back() != '\n') {
    return InvalidArgumentError("malformed note: the last signature line must end in a newline");
  }
  size_t line_number = 0;
  while (!block.empty()) {
    ++line_number;
    std::string_view line = *internal::NextLine(&block);
    const std::string where = "malformed note: signature line " + std::to_string(line_number);
    if (line_number > kMaxNoteSignatures) {
      return InvalidArgumentError("malformed note: more than " +
                                  std::to_string(kMaxNoteSignatures) + " signatures");
    }
    if (!line.starts_with(kSignaturePrefix)) {
      return InvalidArgumentError(where + " does not start with an em dash (U+2014) and a space");
    }
    line.remove_prefix(kSignaturePrefix.size());
    std::optional<std::string_view> name = Chop(&line, ' ');
    if (!name) return InvalidArgumentError(where + ": expected \"— <name> <signature>\"");
    if (!IsValidKeyName(*name)) {
      return InvalidArgumentError(where +
                                  ": the key name must be non-empty, without '+' or spaces");
    }
    std::optional<std::string> raw = DecodeBase64(line);
    if (!raw) return InvalidArgumentError(where + ": the signature is not valid base64");
    if (raw->size() <= kKeyHashBytes) {
      return InvalidArgumentError(where + ": the signature is too short to hold a key hash");
    }
    NoteSignature signature;
    signature.name = std::string(*name);
    signature.key_hash = DecodeKeyHash(*raw);
    signature.signature = raw->substr(kKeyHashBytes);
    note.signatures.push_back(std::move(signature));
  }
  return note;
}

StatusOr<std::string> SignNote(std::string_view text, std::span<NoteSigner* const> signers) {
  if (text.empty() || text.back() != '\n') {
    return InvalidArgumentError("note text must end in a newline");
  }
  if (!internal::IsNoteText(text)) {
    return InvalidArgumentError(
        "note text must be UTF-8 without control characters other than newline");
  }
  if (signers.empty()) return InvalidArgumentError("a note needs at least one signer");
  if (signers.size() > kMaxNoteSignatures) {
    return InvalidArgumentError("a note takes at most " + std::to_string(kMaxNoteSignatures) +
                                " signatures");
  }
  std::string out(text);
  out += '\n';
  for (NoteSigner* signer : signers) {
    if (signer == nullptr) return InvalidArgumentError("null note signer");
    if (!IsValidKeyName(signer->name())) {
      return InvalidArgumentError("note signer \"" + std::string(signer->name()) +
                                  "\": invalid key name");
    }
    BW_ASSIGN_OR_RETURN(std::string signature, signer->Sign(text));
    out += kSignaturePrefix;
    out += signer->name();
    out += ' ';
    out += EncodeBase64(EncodeKeyHash(signer->key_hash()) + signature);
    out += '\n';
  }
  return out;
}

StatusOr<Note> OpenNote(std::string_view signed_note,
                        std::span<const NoteVerifier* const> verifiers) {
  BW_ASSIGN_OR_RETURN(Note note, ParseNote(signed_note));
  std::vector<NoteSignature> verified;
  std::set<std::pair<std::string, uint32_t>> seen;
  for (NoteSignature& signature : note.signatures) {
    const NoteVerifier* verifier = nullptr;
    for (const NoteVerifier* v : verifiers) {
      if (v != nullptr && v->name() == signature.name && v->key_hash() == signature.key_hash) {
        verifier = v;
        break;
      }
    }
    if (verifier == nullptr) continue;  // Unknown key: ignored, as the specification requires.
    // A key that signed twice counts once; both signatures must still verify.
    if (!verifier->Verify(note.text, signature.signature)) {
      return Status(StatusCode::kUnauthenticated,
                    "note signature by \"" + signature.name + "\" (key hash " +
                        KeyHashHex(signature.key_hash) + ") does not verify",
                    {{"key", signature.name}});
    }
    if (seen.emplace(signature.name, signature.key_hash).second) {
      verified.push_back(std::move(signature));
    }
  }
  if (verified.empty()) {
    return Status(StatusCode::kUnauthenticated, "the note has no signature by a known key");
  }
  note.signatures = std::move(verified);
  return note;
}

StatusOr<std::vector<std::string>> VerifyNote(std::string_view signed_note,
                                              std::span<const NoteVerifier* const> verifiers) {
  BW_ASSIGN_OR_RETURN(Note note, OpenNote(signed_note, verifiers));
  std::vector<std::string> names;
  names.reserve(note.signatures.size());
  for (NoteSignature& signature : note.signatures) names.push_back(std::move(signature.name));
  return names;
}

}  // namespace bulwark::ledger
