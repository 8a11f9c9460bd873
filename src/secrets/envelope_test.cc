#include "secrets/envelope.h"

#include <gtest/gtest.h>

#include "secrets/internal/test_support.h"

namespace bulwark::secrets {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kPlaintext = "sk-test-0123456789abcdef-lab-credential";

class EnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(KeyEncryptionKey a, GenerateKey());
    ASSERT_OK_AND_ASSIGN(KeyEncryptionKey b, GenerateKey());
    kek_ = std::make_unique<KeyEncryptionKey>(std::move(a));
    other_ = std::make_unique<KeyEncryptionKey>(std::move(b));
  }
  const SecretLocation at_{"model_endpoints", "mep_1", "credential", 1};
  std::unique_ptr<KeyEncryptionKey> kek_;
  std::unique_ptr<KeyEncryptionKey> other_;
};

TEST_F(EnvelopeTest, RoundTrip) {
  for (std::string_view plain :
       {kPlaintext, std::string_view(""), std::string_view("\0\x01\xff bytes\0", 10)}) {
    ASSERT_OK_AND_ASSIGN(Envelope sealed, Seal(*kek_, at_, plain));
    EXPECT_EQ(sealed.kek_id, kek_->id());
    EXPECT_EQ(sealed.wrapped_key.size(), 1u + 24u + 32u + 16u);
    EXPECT_EQ(sealed.ciphertext.size(), 1u + 24u + plain.size() + 16u);
    ASSERT_OK_AND_ASSIGN(SecretBytes opened, OpenEnvelope(*kek_, at_, sealed));
    EXPECT_TRUE(opened.Equals(plain));
  }
}

TEST_F(EnvelopeTest, EverySealIsFreshAndHidesThePlaintext) {
  ASSERT_OK_AND_ASSIGN(Envelope a, Seal(*kek_, at_, kPlaintext));
  ASSERT_OK_AND_ASSIGN(Envelope b, Seal(*kek_, at_, kPlaintext));
  EXPECT_NE(a.ciphertext, b.ciphertext);
  EXPECT_NE(a.wrapped_key, b.wrapped_key);
  for (const Envelope* e : {&a, &b}) {
    EXPECT_EQ(e->ciphertext.find(kPlaintext.substr(0, 8)), std::string::npos);
    EXPECT_EQ(e->wrapped_key.find(std::string(kek_->bytes().begin(), kek_->bytes().end())),
              std::string::npos);
  }
}

TEST_F(EnvelopeTest, AnotherPlaceDoesNotOpen) {
  ASSERT_OK_AND_ASSIGN(Envelope sealed, Seal(*kek_, at_, kPlaintext));
  const SecretLocation elsewhere[] = {
      {"model_endpoint", "mep_1", "credential", 1},    // table
      {"model_endpoints", "mep_2", "credential", 1},   // row
      {"model_endpoints", "mep_1", "credentials", 1},  // column
      {"model_endpoints", "mep_1", "credential", 2},   // key version
      // Fields are length-prefixed: moving a character between them changes the place.
      {"model_endpointsm", "ep_1", "credential", 1},
  };
  for (const SecretLocation& at : elsewhere) {
    StatusOr<SecretBytes> opened = OpenEnvelope(*kek_, at, sealed);
    ASSERT_FALSE(opened.ok()) << at.table << "/" << at.row_id << "/" << at.column;
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
    EXPECT_THAT(opened.status().message(), HasSubstr("altered, or moved"));
  }
}

TEST_F(EnvelopeTest, CiphertextFromAnotherEnvelopeDoesNotOpen) {
  // The data key of one place with the ciphertext of another (both under the same KEK).
  const SecretLocation at2{"model_endpoints", "mep_2", "credential", 1};
  ASSERT_OK_AND_ASSIGN(Envelope one, Seal(*kek_, at_, kPlaintext));
  ASSERT_OK_AND_ASSIGN(Envelope two, Seal(*kek_, at2, "other"));
  Envelope mixed = one;
  mixed.ciphertext = two.ciphertext;
  EXPECT_EQ(OpenEnvelope(*kek_, at_, mixed).status().code(), StatusCode::kDataLoss);
}

TEST_F(EnvelopeTest, EveryAlteredByteIsFound) {
  ASSERT_OK_AND_ASSIGN(Envelope sealed, Seal(*kek_, at_, kPlaintext));
  for (size_t i = 0; i < sealed.ciphertext.size(); ++i) {
    Envelope tampered = sealed;
    tampered.ciphertext[i] ^= 0x01;
    StatusOr<SecretBytes> opened = OpenEnvelope(*kek_, at_, tampered);
    ASSERT_EQ(opened.status().code(), StatusCode::kDataLoss) << "ciphertext byte " << i;
    EXPECT_THAT(opened.status().message(), HasSubstr("does not decrypt"));
  }
  for (size_t i = 0; i < sealed.wrapped_key.size(); ++i) {
    Envelope tampered = sealed;
    tampered.wrapped_key[i] ^= 0x80;
    StatusOr<SecretBytes> opened = OpenEnvelope(*kek_, at_, tampered);
    ASSERT_EQ(opened.status().code(), StatusCode::kDataLoss) << "wrapped key byte " << i;
    EXPECT_THAT(opened.status().message(), HasSubstr("data key"));
  }
  Envelope truncated = sealed;
  truncated.ciphertext.resize(10);
  EXPECT_EQ(OpenEnvelope(*kek_, at_, truncated).status().code(), StatusCode::kDataLoss);
  truncated = sealed;
  truncated.wrapped_key.clear();
  EXPECT_EQ(OpenEnvelope(*kek_, at_, truncated).status().code(), StatusCode::kDataLoss);
}

TEST_F(EnvelopeTest, ClaimingAnotherKekDoesNotOpen) {
  ASSERT_OK_AND_ASSIGN(Envelope sealed, Seal(*kek_, at_, kPlaintext));
  sealed.kek_id = other_->id();
  StatusOr<SecretBytes> opened = OpenEnvelope(*other_, at_, sealed);
  ASSERT_EQ(opened.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(opened.status().message(), HasSubstr(other_->id()));
  EXPECT_THAT(opened.status().message(), Not(HasSubstr(std::string(kPlaintext))));
}

TEST_F(EnvelopeTest, RewrapMovesTheDataKeyToAnotherKek) {
  ASSERT_OK_AND_ASSIGN(Envelope sealed, Seal(*kek_, at_, kPlaintext));
  ASSERT_OK_AND_ASSIGN(Envelope moved, Rewrap(*kek_, *other_, at_, sealed));
  EXPECT_EQ(moved.kek_id, other_->id());
  EXPECT_EQ(moved.ciphertext, sealed.ciphertext);
  EXPECT_NE(moved.wrapped_key, sealed.wrapped_key);
  ASSERT_OK_AND_ASSIGN(SecretBytes opened, OpenEnvelope(*other_, at_, moved));
  EXPECT_TRUE(opened.Equals(kPlaintext));
  // The old KEK cannot open the new wrapping, even when the id is changed back.
  Envelope relabelled = moved;
  relabelled.kek_id = kek_->id();
  EXPECT_EQ(OpenEnvelope(*kek_, at_, relabelled).status().code(), StatusCode::kDataLoss);
  // Rewrap checks the wrapping it opens.
  Envelope tampered = sealed;
  tampered.wrapped_key[30] ^= 1;
  EXPECT_EQ(Rewrap(*kek_, *other_, at_, tampered).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace bulwark::secrets
