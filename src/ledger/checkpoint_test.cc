#include "ledger/checkpoint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ledger/note.h"

namespace bulwark::ledger {
namespace {

// The example of the c2sp.org/tlog-checkpoint specification.
constexpr std::string_view kSpecBody =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

Hash Filled(uint8_t byte) {
  Hash hash;
  hash.fill(byte);
  return hash;
}

TEST(CheckpointTest, ParsesTheSpecificationExample) {
  StatusOr<Checkpoint> checkpoint = ParseCheckpoint(kSpecBody);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  EXPECT_EQ(checkpoint->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(checkpoint->size, 20852163u);
  EXPECT_EQ(checkpoint->root[0], 0x0a);
  EXPECT_EQ(checkpoint->root[31], 0x62);
  EXPECT_TRUE(checkpoint->extensions.empty());
  EXPECT_EQ(FormatCheckpoint(*checkpoint), kSpecBody);
}

TEST(CheckpointTest, RoundTrip) {
  const std::vector<Checkpoint> checkpoints = {
      {"bulwark.example/ledger", 0, Filled(0), {}},
      {"bulwark.example/ledger", 1, Filled(0xff), {}},
      {"o", UINT64_MAX, Filled(0x5a), {"ext one", "\xe2\x80\x94 two"}},
  };
  for (const Checkpoint& checkpoint : checkpoints) {
    EXPECT_TRUE(ValidateCheckpoint(checkpoint).ok());
    std::string body = FormatCheckpoint(checkpoint);
    StatusOr<Checkpoint> parsed = ParseCheckpoint(body);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << body;
    EXPECT_EQ(*parsed, checkpoint);
    EXPECT_EQ(FormatCheckpoint(*parsed), body);
  }
  EXPECT_EQ(FormatCheckpoint({"o", 18446744073709551615u, Filled(0), {}}),
            "o\n18446744073709551615\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
}

TEST(CheckpointTest, SignedRoundTrip) {
  DeterministicRandom random(7);
  StatusOr<GeneratedKey> key = GenerateEd25519Key("bulwark.example/ledger", random);
  ASSERT_TRUE(key.ok());
  auto signer = NewEd25519Signer(key->private_key);
  auto verifier = NewEd25519Verifier(key->verifier_key);
  ASSERT_TRUE(signer.ok() && verifier.ok());
  Checkpoint checkpoint{"bulwark.example/ledger", 42, Filled(7), {}};
  NoteSigner* signers[] = {signer->get()};
  StatusOr<std::string> note = SignNote(FormatCheckpoint(checkpoint), signers);
  ASSERT_TRUE(note.ok());
  const NoteVerifier* verifiers[] = {verifier->get()};
  StatusOr<Note> opened = OpenNote(*note, verifiers);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  StatusOr<Checkpoint> parsed = ParseCheckpoint(opened->text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, checkpoint);
}

TEST(CheckpointTest, RejectsMalformedBodies) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  struct Case {
    std::string what;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"missing trailing newline", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="},
      {"two lines", "o\n1\n"},
      {"empty origin", "\n1\n" + root},
      {"leading zero", "o\n01\n" + root},
      {"leading zeros on zero", "o\n00\n" + root},
      {"empty size", "o\n\n" + root},
      {"negative size", "o\n-1\n" + root},
      {"plus sign", "o\n+1\n" + root},
      {"hex size", "o\n0x10\n" + root},
      {"size with space", "o\n 1\n" + root},
      {"size with letters", "o\n12a\n" + root},
      {"size overflow", "o\n18446744073709551616\n" + root},
      {"bad base64", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I!\n"},
      {"non-ASCII in base64", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA\xcd\x95\xcd\x8fxq2I=\n"},
      {"unpadded base64", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n"},
      {"non-canonical base64", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n"},
      {"30-byte hash", "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"},
      {"33-byte hash", "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"},
      {"empty hash", "o\n1\n\n"},
      {"empty extension line", "o\n1\n" + root + "\n"},
      {"empty line after extension", "o\n1\n" + root + "ext\n\n"},
      {"carriage return", "o\r\n1\n" + root},
      {"not UTF-8", "o\xff\n1\n" + root},
  };
  for (const Case& c : cases) {
    StatusOr<Checkpoint> checkpoint = ParseCheckpoint(c.body);
    EXPECT_FALSE(checkpoint.ok()) << c.what;
    if (!checkpoint.ok()) {
      EXPECT_EQ(checkpoint.status().code(), StatusCode::kInvalidArgument);
    }
  }
  StatusOr<Checkpoint> leading_zero = ParseCheckpoint("o\n01\n" + root);
  ASSERT_FALSE(leading_zero.ok());
  EXPECT_NE(leading_zero.status().message().find("line 2"), std::string::npos);
}

TEST(CheckpointTest, ValidateRejectsUnformattableValues) {
  EXPECT_FALSE(ValidateCheckpoint({"", 1, Filled(0), {}}).ok());
  EXPECT_FALSE(ValidateCheckpoint({"a\nb", 1, Filled(0), {}}).ok());
  EXPECT_FALSE(ValidateCheckpoint({"o", 1, Filled(0), {""}}).ok());
  EXPECT_FALSE(ValidateCheckpoint({"o", 1, Filled(0), {"x\ny"}}).ok());
  EXPECT_FALSE(ValidateCheckpoint({"o\xff", 1, Filled(0), {}}).ok());
  EXPECT_TRUE(ValidateCheckpoint({"o", 1, Filled(0), {"x"}}).ok());
}

}  // namespace
}  // namespace bulwark::ledger
