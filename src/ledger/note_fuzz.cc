// libFuzzer target for the ledger's text formats: signed notes, verification against a fixed
// key, checkpoints and tlog-proof files. Every input must give a value or an error, never a
// crash, a leak or an out-of-bounds read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "ledger/checkpoint.h"
#include "ledger/note.h"
#include "ledger/tlog_proof.h"

namespace {

using namespace bulwark::ledger;

const NoteVerifier& FixedVerifier() {
  static const std::unique_ptr<NoteVerifier> verifier = [] {
    auto v =
        NewEd25519Verifier("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    if (!v.ok()) std::abort();
    return std::move(v).value();
  }();
  return *verifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  bulwark::StatusOr<Note> note = ParseNote(input);
  if (note.ok()) {
    // Whatever parses, re-parsing its text as a checkpoint must be safe too.
    ParseCheckpoint(note->text).status().IgnoreError();
  }
  const NoteVerifier* verifiers[] = {&FixedVerifier()};
  VerifyNote(input, verifiers).status().IgnoreError();

  bulwark::StatusOr<Checkpoint> checkpoint = ParseCheckpoint(input);
  if (checkpoint.ok() && FormatCheckpoint(*checkpoint) != input) std::abort();

  bulwark::StatusOr<TlogProof> proof = ParseTlogProof(input);
  if (proof.ok()) {
    bulwark::StatusOr<TlogProof> again = ParseTlogProof(FormatTlogProof(*proof));
    if (!again.ok() || !(*again == *proof)) std::abort();
    CheckTlogProof(*proof, Hash{}, "PeterNeumann", verifiers).status().IgnoreError();
  }

  NewEd25519Verifier(input).status().IgnoreError();
  NewEd25519Signer(input).status().IgnoreError();
  return 0;
}
