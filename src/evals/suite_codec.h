// A suite as one document: every field of every task, file contents included, so that a suite
// can be stored (encrypted, in the server's secrets) or carried in a sealed bundle, and read
// back with the same content hash.
//
// The document is JSON (`"format": "bulwark-suite-1"`); file contents are base64. Decoding is
// strict: a missing or mistyped field, or a suite that fails ValidateSuite, is InvalidArgument,
// and a decoded suite whose content hash differs from the one the document states is DataLoss.
//
// Thread-safety: pure functions.
//
//   std::string document = EncodeSuite(suite);
//   BW_ASSIGN_OR_RETURN(Suite again, DecodeSuite(document));  // again.ContentHash() == ...
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "evals/task.h"

namespace bulwark::evals {

std::string EncodeSuite(const Suite& suite);
StatusOr<Suite> DecodeSuite(std::string_view document);

}  // namespace bulwark::evals
