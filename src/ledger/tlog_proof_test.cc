#include "ledger/tlog_proof.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ledger/merkle.h"

namespace bulwark::ledger {
namespace {

constexpr std::string_view kOrigin = "bulwark.example/ledger";

// A log of `size` entries "entry <i>" with a signed checkpoint, and a witness key.
class TlogProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DeterministicRandom random(11);
    for (std::string_view name : {kOrigin, std::string_view("witness.example")}) {
      StatusOr<GeneratedKey> key = GenerateEd25519Key(name, random);
      ASSERT_TRUE(key.ok());
      auto signer = NewEd25519Signer(key->private_key);
      auto verifier = NewEd25519Verifier(key->verifier_key);
      ASSERT_TRUE(signer.ok() && verifier.ok());
      signers_.push_back(std::move(signer).value());
      verifiers_.push_back(std::move(verifier).value());
    }
    for (int i = 0; i < 13; ++i) tree_.Append(Entry(i));
  }

  static std::string Entry(uint64_t i) { return "entry " + std::to_string(i); }

  std::string SignedCheckpoint(std::string_view origin = kOrigin) {
    std::string body = FormatCheckpoint({std::string(origin), tree_.size(), tree_.Root(), {}});
    NoteSigner* signers[] = {signers_[0].get(), signers_[1].get()};
    StatusOr<std::string> note = SignNote(body, signers);
    EXPECT_TRUE(note.ok());
    return note.ok() ? *note : std::string();
  }

  TlogProof ProofFor(uint64_t index) {
    TlogProof proof;
    proof.index = index;
    StatusOr<std::vector<Hash>> hashes = InclusionProof(index, tree_.size(), tree_);
    EXPECT_TRUE(hashes.ok()) << hashes.status().ToString();
    if (hashes.ok()) proof.inclusion_proof = *hashes;
    proof.checkpoint = SignedCheckpoint();
    return proof;
  }

  std::vector<const NoteVerifier*> Verifiers(std::vector<int> which) {
    std::vector<const NoteVerifier*> out;
    for (int i : which) out.push_back(verifiers_[i].get());
    return out;
  }

  MemoryTree tree_;
  std::vector<std::unique_ptr<NoteSigner>> signers_;
  std::vector<std::unique_ptr<NoteVerifier>> verifiers_;
};

TEST_F(TlogProofTest, FormatMatchesTheSpecificationLayout) {
  TlogProof proof = ProofFor(5);
  proof.extra = "opaque";
  std::string file = FormatTlogProof(proof);
  EXPECT_TRUE(file.starts_with("c2sp.org/tlog-proof@v1\nextra b3BhcXVl\nindex 5\n")) << file;
  EXPECT_TRUE(file.ends_with("\n\n" + proof.checkpoint)) << file;
  EXPECT_NE(file.find("\n\nbulwark.example/ledger\n13\n"), std::string::npos) << file;

  proof.extra.clear();
  EXPECT_TRUE(FormatTlogProof(proof).starts_with("c2sp.org/tlog-proof@v1\nindex 5\n"));
}

TEST_F(TlogProofTest, RoundTripAndCheck) {
  for (uint64_t index = 0; index < tree_.size(); ++index) {
    TlogProof proof = ProofFor(index);
    if (index % 2 == 0) proof.extra = std::string("\x00\x01\xff", 3);
    std::string file = FormatTlogProof(proof);
    StatusOr<TlogProof> parsed = ParseTlogProof(file);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << file;
    EXPECT_EQ(*parsed, proof);
    EXPECT_EQ(FormatTlogProof(*parsed), file);

    auto verifiers = Verifiers({0});
    StatusOr<Checkpoint> checked =
        CheckTlogProof(*parsed, HashLeaf(Entry(index)), kOrigin, verifiers);
    ASSERT_TRUE(checked.ok()) << checked.status().ToString();
    EXPECT_EQ(checked->size, tree_.size());
    EXPECT_EQ(checked->root, tree_.Root());
  }
}

TEST_F(TlogProofTest, ParsesAProofWithoutHashes) {
  MemoryTree one;
  one.Append("only");
  std::string body = FormatCheckpoint({std::string(kOrigin), 1, one.Root(), {}});
  NoteSigner* signers[] = {signers_[0].get()};
  StatusOr<std::string> note = SignNote(body, signers);
  ASSERT_TRUE(note.ok());
  std::string file = "c2sp.org/tlog-proof@v1\nindex 0\n\n" + *note;
  StatusOr<TlogProof> proof = ParseTlogProof(file);
  ASSERT_TRUE(proof.ok()) << proof.status().ToString();
  EXPECT_TRUE(proof->inclusion_proof.empty());
  auto verifiers = Verifiers({0});
  EXPECT_TRUE(CheckTlogProof(*proof, HashLeaf("only"), kOrigin, verifiers).ok());
  EXPECT_FALSE(CheckTlogProof(*proof, HashLeaf("other"), kOrigin, verifiers).ok());
}

TEST_F(TlogProofTest, CheckRejectsWrongData) {
  TlogProof proof = ProofFor(3);
  auto log_key = Verifiers({0});
  auto witness_key = Verifiers({1});
  EXPECT_TRUE(CheckTlogProof(proof, HashLeaf(Entry(3)), kOrigin, witness_key).ok());

  // Another entry, another index, a changed proof hash.
  EXPECT_FALSE(CheckTlogProof(proof, HashLeaf(Entry(4)), kOrigin, log_key).ok());
  TlogProof moved = proof;
  moved.index = 2;
  EXPECT_FALSE(CheckTlogProof(moved, HashLeaf(Entry(3)), kOrigin, log_key).ok());
  moved.index = 100;
  EXPECT_FALSE(CheckTlogProof(moved, HashLeaf(Entry(3)), kOrigin, log_key).ok());
  TlogProof changed = proof;
  changed.inclusion_proof[1][0] ^= 1;
  EXPECT_FALSE(CheckTlogProof(changed, HashLeaf(Entry(3)), kOrigin, log_key).ok());
  TlogProof shorter = proof;
  shorter.inclusion_proof.pop_back();
  EXPECT_FALSE(CheckTlogProof(shorter, HashLeaf(Entry(3)), kOrigin, log_key).ok());

  // Another log's checkpoint, even when signed by a trusted key.
  StatusOr<Checkpoint> wrong_origin =
      CheckTlogProof(proof, HashLeaf(Entry(3)), "other.example/log", log_key);
  ASSERT_FALSE(wrong_origin.ok());
  EXPECT_EQ(wrong_origin.status().detail("reason"), "wrong_origin");

  // No trusted key, or a forged signature.
  StatusOr<Checkpoint> untrusted = CheckTlogProof(proof, HashLeaf(Entry(3)), kOrigin, {});
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.status().code(), StatusCode::kUnauthenticated);
  TlogProof forged = proof;
  forged.checkpoint.replace(forged.checkpoint.find("\n13\n"), 4, "\n14\n");
  StatusOr<Checkpoint> bad_signature = CheckTlogProof(forged, HashLeaf(Entry(3)), kOrigin, log_key);
  ASSERT_FALSE(bad_signature.ok());
  EXPECT_EQ(bad_signature.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(TlogProofTest, RejectsMalformedFiles) {
  const std::string checkpoint = SignedCheckpoint();
  const std::string hash = "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n";
  const std::string header = "c2sp.org/tlog-proof@v1\n";
  ASSERT_TRUE(ParseTlogProof(header + "index 3\n" + hash + "\n" + checkpoint).ok());
  ASSERT_TRUE(ParseTlogProof(header + "extra AA==\nindex 3\n" + hash + "\n" + checkpoint).ok());

  std::string too_many_hashes = header + "index 3\n";
  for (size_t i = 0; i <= kMaxInclusionProofHashes; ++i) too_many_hashes += hash;
  too_many_hashes += "\n" + checkpoint;

  struct Case {
    std::string what;
    std::string file;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"header only", header},
      {"wrong header", "c2sp.org/tlog-proof@v2\nindex 3\n" + hash + "\n" + checkpoint},
      {"header without newline", "c2sp.org/tlog-proof@v1"},
      {"no index", header + hash + "\n" + checkpoint},
      {"index after hashes", header + hash + "index 3\n\n" + checkpoint},
      {"extra after index", header + "index 3\nextra AA==\n\n" + checkpoint},
      {"bad extra", header + "extra AA=\nindex 3\n" + hash + "\n" + checkpoint},
      {"index with leading zero", header + "index 03\n" + hash + "\n" + checkpoint},
      {"negative index", header + "index -3\n" + hash + "\n" + checkpoint},
      {"index overflow", header + "index 18446744073709551616\n" + hash + "\n" + checkpoint},
      {"index without space", header + "index3\n" + hash + "\n" + checkpoint},
      {"index with two spaces", header + "index  3\n" + hash + "\n" + checkpoint},
      {"bad hash base64",
       header + "index 3\n!SKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n\n" + checkpoint},
      {"short hash", header + "index 3\nAAAA\n\n" + checkpoint},
      {"too many hashes", too_many_hashes},
      {"no blank line", header + "index 3\n" + hash},
      {"no checkpoint", header + "index 3\n" + hash + "\n"},
      {"unsigned checkpoint",
       header + "index 3\n" + hash + "\nbulwark.example/ledger\n13\n" + hash},
      {"checkpoint without newline",
       header + "index 3\n" + hash + "\n" + checkpoint.substr(0, checkpoint.size() - 1)},
      {"checkpoint body malformed", header + "index 3\n" + hash + "\n" +
                                        "bulwark.example/ledger\n013\n" + hash + "\n" +
                                        checkpoint.substr(checkpoint.find("\xe2\x80\x94"))},
      {"CRLF", "c2sp.org/tlog-proof@v1\r\nindex 3\r\n\r\n" + checkpoint},
      {"not UTF-8", header + "index 3\n" + hash + "\n\xff" + checkpoint},
  };
  for (const Case& c : cases) {
    StatusOr<TlogProof> proof = ParseTlogProof(c.file);
    EXPECT_FALSE(proof.ok()) << c.what;
    if (!proof.ok()) {
      EXPECT_EQ(proof.status().code(), StatusCode::kInvalidArgument) << c.what;
    }
  }
  StatusOr<TlogProof> bad_index = ParseTlogProof(header + "index 03\n\n" + checkpoint);
  ASSERT_FALSE(bad_index.ok());
  EXPECT_NE(bad_index.status().message().find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::ledger
