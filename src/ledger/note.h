// Signed notes (c2sp.org/signed-note): text signed by one or more keys, the envelope of every
// checkpoint the ledger publishes and of the cosignatures witnesses add to them.
//
// A signed note is the text (UTF-8, ending in a newline), a blank line, then one signature line
// per key: U+2014 EM DASH, a space, the key name, a space, and base64(4-byte key hash ||
// signature). Keys are Ed25519 in the text encodings of Go's golang.org/x/mod/sumdb/note:
//
//   verifier key  <name>+<hex8 key hash>+base64(0x01 || 32-byte public key)
//   private key   PRIVATE+KEY+<name>+<hex8 key hash>+base64(0x01 || 32-byte seed)
//
// with key hash = SHA-256(name || "\n" || 0x01 || public key)[:4], read big-endian. See
// docs/ledger-formats.md.
//
// Signing and verification go through the NoteSigner and NoteVerifier interfaces, so a key held
// elsewhere (an HSM, a remote signer) or another algorithm can be plugged in.
//
// Thread-safety: the free functions are safe from any thread. The Ed25519 signers and verifiers
// made here are immutable once built and safe to share; other implementations document their
// own contract.
//
// Example:
//   BW_ASSIGN_OR_RETURN(auto signer, NewEd25519Signer(private_key));
//   NoteSigner* signers[] = {signer.get()};
//   BW_ASSIGN_OR_RETURN(std::string note, SignNote("hello\n", signers));
//
//   BW_ASSIGN_OR_RETURN(auto verifier, NewEd25519Verifier(verifier_key));
//   const NoteVerifier* verifiers[] = {verifier.get()};
//   BW_ASSIGN_OR_RETURN(std::vector<std::string> names, VerifyNote(note, verifiers));
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "base/status.h"

namespace bulwark::ledger {

// Signature type byte of Ed25519 note keys.
inline constexpr uint8_t kEd25519SignatureType = 0x01;

// More signatures than this make a note malformed (the specification requires accepting 16).
inline constexpr size_t kMaxNoteSignatures = 100;

// Produces signatures for one key.
class NoteSigner {
 public:
  virtual ~NoteSigner();
  // The key name, as written on the signature line.
  virtual std::string_view name() const = 0;
  // The 32-bit key hash that prefixes each signature.
  virtual uint32_t key_hash() const = 0;
  // Returns the raw signature of `message` (without the key hash prefix).
  virtual StatusOr<std::string> Sign(std::string_view message) = 0;
};

// Checks signatures of one key.
class NoteVerifier {
 public:
  virtual ~NoteVerifier();
  virtual std::string_view name() const = 0;
  virtual uint32_t key_hash() const = 0;
  // True when `signature` (raw, without the key hash prefix) is a valid signature of `message`.
  virtual bool Verify(std::string_view message, std::string_view signature) const = 0;
};

// True when `name` can name a note key: non-empty UTF-8 without '+' or Unicode white space.
bool IsValidKeyName(std::string_view name);

// The key hash of an Ed25519 public key (32 bytes) under `name`.
uint32_t Ed25519KeyHash(std::string_view name, std::span<const uint8_t, 32> public_key);

// Parses a private key "PRIVATE+KEY+<name>+<hex8>+<base64(0x01 || seed)>". The key hash must
// match the public key derived from the seed.
StatusOr<std::unique_ptr<NoteSigner>> NewEd25519Signer(std::string_view private_key);

// Parses a verifier key "<name>+<hex8>+<base64(0x01 || public key)>". The key hash must match.
StatusOr<std::unique_ptr<NoteVerifier>> NewEd25519Verifier(std::string_view verifier_key);

struct GeneratedKey {
  std::string private_key;   // PRIVATE+KEY+..., secret.
  std::string verifier_key;  // name+hash+key, public.
};

// Makes a new Ed25519 key named `name` from a 32-byte seed drawn from `random`.
StatusOr<GeneratedKey> GenerateEd25519Key(std::string_view name,
                                          Random& random = SecureRandom::Get());

struct NoteSignature {
  std::string name;
  uint32_t key_hash = 0;
  std::string signature;  // Raw, without the key hash prefix.
  friend bool operator==(const NoteSignature&, const NoteSignature&) = default;
};

struct Note {
  std::string text;  // Including its final newline, excluding the blank separator line.
  std::vector<NoteSignature> signatures;
};

// Splits a signed note into text and signatures, checking syntax only: no signature is
// verified, so the text must not be trusted yet.
StatusOr<Note> ParseNote(std::string_view signed_note);

// Returns `text` followed by a blank line and one signature line per signer, in order.
// `text` must be non-empty note text ending in a newline; signer names must be valid.
StatusOr<std::string> SignNote(std::string_view text, std::span<NoteSigner* const> signers);

// Verifies `signed_note` against the known `verifiers`, matched by name and key hash. Succeeds
// when at least one signature by a known key verifies and none fails; signatures by unknown keys
// are ignored, repeated ones counted once. Returns the names of the keys that verified, in note
// order. Errors: kInvalidArgument for a malformed note, kUnauthenticated for a failed signature
// or no signature by a known key.
StatusOr<std::vector<std::string>> VerifyNote(std::string_view signed_note,
                                              std::span<const NoteVerifier* const> verifiers);

// Like VerifyNote, and returns the parsed note with the verified signatures only.
StatusOr<Note> OpenNote(std::string_view signed_note,
                        std::span<const NoteVerifier* const> verifiers);

}  // namespace bulwark::ledger
