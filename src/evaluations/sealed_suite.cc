#include "evaluations/sealed_suite.h"

#include <boost/json.hpp>

#include "base/encoding.h"
#include "base/json.h"
#include "evals/suite_codec.h"
#include "secrets/envelope.h"

namespace bulwark::evaluations {
namespace {

namespace json = boost::json;
constexpr std::string_view kFormat = "bulwark-sealed-suite-1";

secrets::SecretLocation Place(const std::string& hash) {
  return {"sealed_suites", hash, "document", 1};
}

}  // namespace

StatusOr<std::string> SealSuite(const evals::Suite& suite, const secrets::KeyEncryptionKey& kek) {
  if (suite.canary.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "suite " + suite.name +
                      " declares no canary: a sealed suite carries one in every task file, so "
                      "that a leaked task can be recognized (docs/tasks.md)");
  }
  const std::string hash = suite.ContentHash();
  BW_ASSIGN_OR_RETURN(secrets::Envelope envelope,
                      secrets::Seal(kek, Place(hash), evals::EncodeSuite(suite)));
  return json::serialize(json::object{{"format", kFormat},
                                      {"name", suite.name},
                                      {"version", suite.version},
                                      {"hash", hash},
                                      {"tasks", suite.tasks.size()},
                                      {"canary", suite.canary},
                                      {"kek_id", envelope.kek_id},
                                      {"wrapped_key", Base64Encode(envelope.wrapped_key)},
                                      {"ciphertext", Base64Encode(envelope.ciphertext)}}) +
         "\n";
}

bool IsSealedBundle(std::string_view document) {
  StatusOr<json::value> parsed = ParseJson(document);
  if (!parsed.ok() || !parsed->is_object()) return false;
  const json::value* format = parsed->as_object().if_contains("format");
  return format != nullptr && format->is_string() && format->as_string() == kFormat;
}

StatusOr<evals::Suite> OpenSealedSuite(std::string_view bundle, const secrets::Keyring& keyring) {
  StatusOr<json::value> parsed = ParseJson(bundle);
  if (!parsed.ok()) return InvalidArgumentError("the sealed suite is not JSON");
  JsonFields f(*parsed, "sealed suite");
  const std::string format = f.String("format", 64);
  const std::string hash = f.String("hash", 100);
  f.String("name", 200);
  f.String("version", 200);
  f.OptionalInt("tasks");
  f.OptionalString("canary", 200);
  const std::string kek_id = f.String("kek_id", 200);
  const std::string wrapped = f.String("wrapped_key", 1 << 10);
  const std::string ciphertext = f.String("ciphertext", size_t{1} << 31);
  BW_RETURN_IF_ERROR(f.Finish());
  if (format != kFormat) return InvalidArgumentError("the file is not a sealed suite");
  const secrets::KeyEncryptionKey* kek = keyring.Find(kek_id);
  if (kek == nullptr) {
    return Status(StatusCode::kFailedPrecondition,
                  "the suite was sealed with key " + kek_id +
                      ", which this server does not hold: seal it with this platform's key");
  }
  StatusOr<std::string> wrapped_bytes = Base64Decode(wrapped);
  StatusOr<std::string> cipher_bytes = Base64Decode(ciphertext);
  if (!wrapped_bytes.ok() || !cipher_bytes.ok()) {
    return InvalidArgumentError("the sealed suite's key or content is not base64");
  }
  StatusOr<secrets::SecretBytes> document = secrets::OpenEnvelope(
      *kek, Place(hash), {kek_id, std::move(*wrapped_bytes), std::move(*cipher_bytes)});
  if (!document.ok()) {
    return Status(StatusCode::kDataLoss,
                  "the sealed suite does not open: it was altered, or its stated hash changed");
  }
  BW_ASSIGN_OR_RETURN(evals::Suite suite, evals::DecodeSuite(document->view()));
  if (suite.ContentHash() != hash) {
    return Status(StatusCode::kDataLoss, "the sealed suite's content does not hash to " + hash);
  }
  return suite;
}

}  // namespace bulwark::evaluations
