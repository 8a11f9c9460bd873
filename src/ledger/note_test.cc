#include "ledger/note.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace bulwark::ledger {
namespace {

const std::string kVectorsPath =
    std::string(BULWARK_SOURCE_DIR) + "/../shared/conformance/signed-note/vectors.json";

// The key of the first conformance vector (Go sumdb/note's test key).
constexpr std::string_view kPeterSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

std::unique_ptr<NoteSigner> MustSigner(std::string_view skey) {
  StatusOr<std::unique_ptr<NoteSigner>> signer = NewEd25519Signer(skey);
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return signer.ok() ? std::move(signer).value() : nullptr;
}

std::unique_ptr<NoteVerifier> MustVerifier(std::string_view vkey) {
  StatusOr<std::unique_ptr<NoteVerifier>> verifier = NewEd25519Verifier(vkey);
  EXPECT_TRUE(verifier.ok()) << verifier.status().ToString();
  return verifier.ok() ? std::move(verifier).value() : nullptr;
}

// A fresh key pair named `name`, reproducible from `seed`.
GeneratedKey MustGenerate(std::string_view name, uint64_t seed) {
  DeterministicRandom random(seed);
  StatusOr<GeneratedKey> key = GenerateEd25519Key(name, random);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? *key : GeneratedKey{};
}

std::string MustSign(std::string_view text, std::vector<NoteSigner*> signers) {
  StatusOr<std::string> note = SignNote(text, signers);
  EXPECT_TRUE(note.ok()) << note.status().ToString();
  return note.ok() ? *note : std::string();
}

TEST(NoteConformanceTest, Vectors) {
  std::ifstream in(kVectorsPath);
  if (!in) GTEST_SKIP() << "no conformance vectors at " << kVectorsPath;
  std::stringstream buffer;
  buffer << in.rdbuf();
  boost::json::value doc = boost::json::parse(buffer.str());
  const boost::json::array& vectors = doc.as_array();
  ASSERT_FALSE(vectors.empty());
  for (const boost::json::value& value : vectors) {
    const boost::json::object& vector = value.as_object();
    const std::string about(vector.at("about").as_string());
    SCOPED_TRACE(about);
    const std::string vkey(vector.at("vkey").as_string());
    const std::string signed_note(vector.at("signed").as_string());
    const bool verifies = vector.at("verifies").as_bool();

    std::unique_ptr<NoteVerifier> verifier = MustVerifier(vkey);
    ASSERT_NE(verifier, nullptr);
    const NoteVerifier* verifiers[] = {verifier.get()};
    StatusOr<std::vector<std::string>> names = VerifyNote(signed_note, verifiers);
    EXPECT_EQ(names.ok(), verifies) << names.status().ToString();
    if (names.ok()) {
      EXPECT_EQ(*names, std::vector<std::string>{std::string(verifier->name())});
    }

    if (const boost::json::value* skey = vector.if_contains("skey")) {
      std::unique_ptr<NoteSigner> signer = MustSigner(std::string(skey->as_string()));
      ASSERT_NE(signer, nullptr);
      EXPECT_EQ(signer->name(), verifier->name());
      EXPECT_EQ(signer->key_hash(), verifier->key_hash());
      const std::string text(vector.at("text").as_string());
      EXPECT_EQ(MustSign(text, {signer.get()}), signed_note);
    }
  }
}

TEST(NoteKeyTest, GeneratedKeysWorkTogether) {
  GeneratedKey key = MustGenerate("bulwark.example/ledger", 1);
  EXPECT_TRUE(key.private_key.starts_with("PRIVATE+KEY+bulwark.example/ledger+"));
  EXPECT_TRUE(key.verifier_key.starts_with("bulwark.example/ledger+"));
  std::unique_ptr<NoteSigner> signer = MustSigner(key.private_key);
  std::unique_ptr<NoteVerifier> verifier = MustVerifier(key.verifier_key);
  ASSERT_NE(signer, nullptr);
  ASSERT_NE(verifier, nullptr);
  EXPECT_EQ(signer->key_hash(), verifier->key_hash());
  StatusOr<std::string> signature = signer->Sign("message\n");
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(verifier->Verify("message\n", *signature));
  EXPECT_FALSE(verifier->Verify("message!\n", *signature));
  EXPECT_FALSE(verifier->Verify("message\n", signature->substr(1)));
}

TEST(NoteKeyTest, DifferentSeedsGiveDifferentKeys) {
  EXPECT_NE(MustGenerate("a", 1).verifier_key, MustGenerate("a", 2).verifier_key);
  EXPECT_NE(MustGenerate("a", 1).verifier_key, MustGenerate("b", 1).verifier_key);
}

TEST(NoteKeyTest, GenerateRejectsBadNames) {
  DeterministicRandom random(1);
  EXPECT_FALSE(GenerateEd25519Key("", random).ok());
  EXPECT_FALSE(GenerateEd25519Key("a+b", random).ok());
  EXPECT_FALSE(GenerateEd25519Key("a b", random).ok());
  EXPECT_FALSE(GenerateEd25519Key("a\xe3\x80\x80"
                                  "b",
                                  random)
                   .ok());  // U+3000
}

TEST(NoteKeyTest, KeyNames) {
  EXPECT_TRUE(IsValidKeyName("example.com/log"));
  EXPECT_TRUE(IsValidKeyName("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a+b"));
  EXPECT_FALSE(IsValidKeyName("a\tb"));
  EXPECT_FALSE(
      IsValidKeyName("a\xc2\xa0"
                     "b"));  // U+00A0 NO-BREAK SPACE
  EXPECT_FALSE(
      IsValidKeyName("a\xe2\x80\x83"
                     "b"));  // U+2003 EM SPACE
  EXPECT_FALSE(IsValidKeyName("\xff"));
}

TEST(NoteKeyTest, MalformedVerifierKeys) {
  const std::vector<std::string> bad = {
      "",
      "PeterNeumann",
      "PeterNeumann+c74f20a3",
      "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
      "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
      "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",    // 7 hex digits
      "PeterNeumann+c74f20a3a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // 9 hex digits
      "PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",   // not hex
      "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",   // wrong hash
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",    // bad base64
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW ",
      "PeterNeumann+c74f20a3+",
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy",      // short key
      "PeterNeumann+c74f20a3+ApJc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // type 2
  };
  for (const std::string& vkey : bad) {
    StatusOr<std::unique_ptr<NoteVerifier>> verifier = NewEd25519Verifier(vkey);
    EXPECT_FALSE(verifier.ok()) << vkey;
    if (!verifier.ok()) {
      EXPECT_EQ(verifier.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_TRUE(NewEd25519Verifier(kPeterVkey).ok());
  // Uppercase hex is accepted (Go parses the hash as a number).
  EXPECT_TRUE(
      NewEd25519Verifier("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
          .ok());
}

TEST(NoteKeyTest, MalformedPrivateKeys) {
  const std::vector<std::string> bad = {
      "",
      "PRIVATE+KEY+",
      "PRIVATE+KEY+PeterNeumann+c74f20a3",
      "private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
      "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
      "PRIVATE+KEY+PeterNeumann+c74f20+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdX",
      "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
      std::string(kPeterVkey),
  };
  for (const std::string& skey : bad) {
    StatusOr<std::unique_ptr<NoteSigner>> signer = NewEd25519Signer(skey);
    EXPECT_FALSE(signer.ok()) << skey;
    if (signer.ok()) continue;
    // The secret never shows up in the message.
    EXPECT_EQ(signer.status().message().find("AYEKFALVFGyN"), std::string::npos);
  }
  EXPECT_TRUE(NewEd25519Signer(kPeterSkey).ok());
}

class NoteSigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      GeneratedKey key = MustGenerate("key" + std::to_string(i) + ".example", 100 + i);
      signers_.push_back(MustSigner(key.private_key));
      verifiers_.push_back(MustVerifier(key.verifier_key));
    }
  }

  std::vector<NoteSigner*> Signers(std::vector<int> which) {
    std::vector<NoteSigner*> out;
    for (int i : which) out.push_back(signers_[i].get());
    return out;
  }
  std::vector<const NoteVerifier*> Verifiers(std::vector<int> which) {
    std::vector<const NoteVerifier*> out;
    for (int i : which) out.push_back(verifiers_[i].get());
    return out;
  }

  std::vector<std::unique_ptr<NoteSigner>> signers_;
  std::vector<std::unique_ptr<NoteVerifier>> verifiers_;
};

TEST_F(NoteSigningTest, RoundTripWithSeveralSigners) {
  const std::string text = "line one\n\nline three after an empty line\n";
  std::string note = MustSign(text, Signers({0, 1, 2}));

  StatusOr<Note> parsed = ParseNote(note);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->text, text);
  ASSERT_EQ(parsed->signatures.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(parsed->signatures[i].name, signers_[i]->name());
    EXPECT_EQ(parsed->signatures[i].key_hash, signers_[i]->key_hash());
    EXPECT_EQ(parsed->signatures[i].signature.size(), 64u);
  }

  auto verifiers = Verifiers({2, 0, 1});
  StatusOr<std::vector<std::string>> names = VerifyNote(note, verifiers);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, (std::vector<std::string>{"key0.example", "key1.example", "key2.example"}));

  auto one = Verifiers({1});
  names = VerifyNote(note, one);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"key1.example"});
}

TEST_F(NoteSigningTest, UnknownKeysAreIgnored) {
  std::string note = MustSign("hello\n", Signers({0, 1}));
  auto known = Verifiers({1});
  StatusOr<std::vector<std::string>> names = VerifyNote(note, known);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, std::vector<std::string>{"key1.example"});

  // No known key at all.
  auto none = Verifiers({2});
  names = VerifyNote(note, none);
  ASSERT_FALSE(names.ok());
  EXPECT_EQ(names.status().code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(VerifyNote(note, {}).ok());

  // A key with the same name but another hash is a different key: ignored.
  GeneratedKey other = MustGenerate("key0.example", 999);
  std::unique_ptr<NoteSigner> impostor = MustSigner(other.private_key);
  std::string mixed = MustSign("hello\n", {impostor.get(), signers_[1].get()});
  auto both = Verifiers({0, 1});
  names = VerifyNote(mixed, both);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, std::vector<std::string>{"key1.example"});
}

TEST_F(NoteSigningTest, RepeatedSignatureCountsOnce) {
  std::string note = MustSign("hello\n", Signers({0, 0}));
  auto verifiers = Verifiers({0});
  StatusOr<std::vector<std::string>> names = VerifyNote(note, verifiers);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, std::vector<std::string>{"key0.example"});
}

TEST_F(NoteSigningTest, TamperingFails) {
  std::string note = MustSign("amount: 10\n", Signers({0, 1}));
  auto verifiers = Verifiers({0, 1});

  std::string text_changed = note;
  text_changed[8] = '9';
  StatusOr<std::vector<std::string>> names = VerifyNote(text_changed, verifiers);
  ASSERT_FALSE(names.ok());
  EXPECT_EQ(names.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(names.status().message().find("key0.example"), std::string::npos);

  // Flip one bit of the second signature (past its 4-byte key hash): one known signature
  // failing rejects the note even though the other verifies.
  StatusOr<Note> parsed = ParseNote(note);
  ASSERT_TRUE(parsed.ok());
  size_t second = note.rfind("\xe2\x80\x94 key1.example ");
  ASSERT_NE(second, std::string::npos);
  std::string sig_changed = note;
  size_t pos = second + std::string("\xe2\x80\x94 key1.example ").size() + 20;
  sig_changed[pos] = sig_changed[pos] == 'A' ? 'B' : 'A';
  names = VerifyNote(sig_changed, verifiers);
  ASSERT_FALSE(names.ok());
  EXPECT_EQ(names.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(names.status().message().find("key1.example"), std::string::npos);

  // The same with only the tampered key known.
  auto second_only = Verifiers({1});
  EXPECT_FALSE(VerifyNote(sig_changed, second_only).ok());
  // And with only the intact key known, the tampered (now unknown) signature is ignored.
  auto first_only = Verifiers({0});
  EXPECT_TRUE(VerifyNote(sig_changed, first_only).ok());
}

TEST_F(NoteSigningTest, SignRejectsBadText) {
  auto signers = Signers({0});
  EXPECT_FALSE(SignNote("", signers).ok());
  EXPECT_FALSE(SignNote("no newline", signers).ok());
  EXPECT_FALSE(SignNote("tab\there\n", signers).ok());
  EXPECT_FALSE(SignNote("bad \xff utf-8\n", signers).ok());
  EXPECT_FALSE(SignNote("hello\n", {}).ok());
  std::vector<NoteSigner*> too_many(kMaxNoteSignatures + 1, signers_[0].get());
  EXPECT_FALSE(SignNote("hello\n", too_many).ok());
}

TEST(NoteParseTest, MalformedNotes) {
  const std::string sig =
      "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuG"
      "UgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
  const std::string text =
      "If you think cryptography is the answer to your problem,\nthen you "
      "don't know what your problem is.\n";
  ASSERT_TRUE(ParseNote(text + "\n" + sig).ok());

  struct Case {
    std::string what;
    std::string note;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"missing blank line", text + sig},
      {"no signatures", text + "\n"},
      {"no trailing newline", text + "\n" + sig.substr(0, sig.size() - 1)},
      {"hyphen instead of em dash", text + "\n- PeterNeumann " + sig.substr(sig.find("x08"))},
      {"no space after dash", text + "\n\xe2\x80\x94PeterNeumann " + sig.substr(sig.find("x08"))},
      {"no signature", text + "\n\xe2\x80\x94 PeterNeumann\n"},
      {"empty signature", text + "\n\xe2\x80\x94 PeterNeumann \n"},
      {"empty name", text + "\n\xe2\x80\x94  " + sig.substr(sig.find("x08"))},
      {"name with plus", text + "\n\xe2\x80\x94 Peter+Neumann " + sig.substr(sig.find("x08"))},
      {"bad base64", text + "\n\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG!\n"},
      {"non-ASCII in base64", text + "\n\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9U\xcd\x95\n"},
      {"unpadded base64", text + "\n\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/S\n"},
      {"signature shorter than a key hash", text + "\n\xe2\x80\x94 PeterNeumann AAAA\n"},
      {"only a key hash", text + "\n\xe2\x80\x94 PeterNeumann AAAAAA==\n"},
      {"non-UTF-8 text", "bad \xc3\x28 byte\n\n" + sig},
      {"overlong UTF-8", "bad \xc0\xaf byte\n\n" + sig},
      {"surrogate", "bad \xed\xa0\x80 byte\n\n" + sig},
      {"control character", "carriage\r\n\n" + sig},
      {"NUL", std::string("nul\0\n\n", 6) + sig},
      {"trailing blank line", text + "\n" + sig + "\n"},
  };
  // A blank line among the signatures makes the lines before it part of the text, which then
  // no longer matches the signature.
  StatusOr<Note> shifted = ParseNote(text + "\n" + sig + "\n" + sig);
  ASSERT_TRUE(shifted.ok());
  EXPECT_EQ(shifted->text, text + "\n" + sig);
  {
    auto verifier = MustVerifier(kPeterVkey);
    const NoteVerifier* verifiers[] = {verifier.get()};
    EXPECT_FALSE(VerifyNote(text + "\n" + sig + "\n" + sig, verifiers).ok());
  }

  for (const Case& c : cases) {
    StatusOr<Note> note = ParseNote(c.note);
    EXPECT_FALSE(note.ok()) << c.what;
    if (!note.ok()) {
      EXPECT_EQ(note.status().code(), StatusCode::kInvalidArgument) << c.what;
    }
    auto verifier = MustVerifier(kPeterVkey);
    const NoteVerifier* verifiers[] = {verifier.get()};
    EXPECT_FALSE(VerifyNote(c.note, verifiers).ok()) << c.what;
  }
}

TEST(NoteParseTest, SignatureLimit) {
  const std::string line = "\xe2\x80\x94 someone AAAAAAAAAAAAAAAAAAAAAAAA\n";
  std::string at_limit = "text\n\n";
  for (size_t i = 0; i < kMaxNoteSignatures; ++i) at_limit += line;
  StatusOr<Note> note = ParseNote(at_limit);
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(note->signatures.size(), kMaxNoteSignatures);
  EXPECT_GE(kMaxNoteSignatures, 16u);  // The specification's minimum.

  StatusOr<Note> over = ParseNote(at_limit + line);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("signatures"), std::string::npos);
}

TEST(NoteParseTest, TextMayHaveEmptyLinesAndUnicode) {
  std::unique_ptr<NoteSigner> signer = MustSigner(kPeterSkey);
  std::unique_ptr<NoteVerifier> verifier = MustVerifier(kPeterVkey);
  const NoteVerifier* verifiers[] = {verifier.get()};
  for (std::string text : {"\n", "a\n\n", "\n\nb\n", "ed \xc3\xa8 subito sera \xe2\x80\x94 ok\n"}) {
    std::string note = MustSign(text, {signer.get()});
    StatusOr<Note> parsed = ParseNote(note);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->text, text);
    EXPECT_TRUE(VerifyNote(note, verifiers).ok());
  }
}

TEST(NoteParseTest, OpenNoteKeepsVerifiedSignaturesOnly) {
  std::unique_ptr<NoteSigner> peter = MustSigner(kPeterSkey);
  GeneratedKey other = MustGenerate("other.example", 5);
  std::unique_ptr<NoteSigner> stranger = MustSigner(other.private_key);
  std::unique_ptr<NoteVerifier> verifier = MustVerifier(kPeterVkey);
  const NoteVerifier* verifiers[] = {verifier.get()};
  std::string note = MustSign("text\n", {stranger.get(), peter.get()});
  StatusOr<Note> opened = OpenNote(note, verifiers);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->text, "text\n");
  ASSERT_EQ(opened->signatures.size(), 1u);
  EXPECT_EQ(opened->signatures[0].name, "PeterNeumann");
  EXPECT_EQ(opened->signatures[0].key_hash, 0xc74f20a3u);
}

}  // namespace
}  // namespace bulwark::ledger
