// WireProtocol: what one model API's requests and replies look like on the wire, apart from
// the transport, retries and concurrency that every API shares (model_provider.cc).
//
// A protocol turns a ModelRequest into an HTTP request and reads a successful reply back into
// a ModelReply. Replies are untrusted: every problem with one is an InvalidArgument whose
// message says what was wrong and quotes (escaped, shortened) what was received, and which the
// provider reports as FailureKind::kMalformed. Text inside the reply, such as a tool call's
// arguments that are not valid JSON, is passed on as it is: answering the model is the agent
// loop's business.
//
// Thread-safety: immutable after construction; safe from any thread.
//
//   std::unique_ptr<WireProtocol> wire = NewOpenAiProtocol("/v1", "gpt-4o", key);
//   BW_ASSIGN_OR_RETURN(HttpRequest http_request, wire->BuildRequest(request));
//   ... send it ...
//   StatusOr<ModelReply> reply = wire->ParseReply(response.body);
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "evals/model_provider.h"
#include "net/http_client.h"

namespace bulwark::evals::internal {

using net::HttpRequest;
using net::HttpResponse;

class WireProtocol {
 public:
  virtual ~WireProtocol() = default;

  // The HTTP request for one turn. InvalidArgument when the request cannot be expressed (a
  // tool's parameter schema that is not a JSON object).
  virtual StatusOr<HttpRequest> BuildRequest(const ModelRequest& request) const = 0;

  // Reads the body of a 2xx reply.
  virtual StatusOr<ModelReply> ParseReply(std::string_view body) const = 0;
};

// OpenAI-compatible Chat Completions: POST {api_path}/chat/completions.
std::unique_ptr<WireProtocol> NewOpenAiProtocol(std::string api_path, std::string model,
                                                std::string api_key);

// Anthropic Messages: POST {api_path}/v1/messages, or {api_path}/messages when api_path
// already ends in /v1.
std::unique_ptr<WireProtocol> NewAnthropicProtocol(std::string api_path, std::string model,
                                                   std::string api_key);

// Helpers the protocols share.

// `text` as a JSON string literal, cut to about 200 bytes (on a UTF-8 boundary) with a note of
// the full size: safe to put in a message, a log line or a terminal.
std::string QuoteExcerpt(std::string_view text);

// The error an API put in a body, {"error": {"type": ..., "message": ...}} or
// {"error": "text"}, as "type: message"; nullopt when the body holds no such error.
std::optional<std::string> ApiErrorOf(const boost::json::value& body);

// For a reply with an error status: the API's own error message, or an excerpt of the body
// when it has none.
std::string DescribeErrorBody(std::string_view body);

// A reply body's top-level object, or why there is none: the body is not JSON (quoted), holds
// an API error (a 200 with an error body), or is not an object (quoted).
StatusOr<boost::json::object> ParseReplyObject(std::string_view body);

// "the reply WHAT: " and an excerpt of `body`, as InvalidArgument: a reply we cannot read.
Status MalformedReply(std::string_view what, std::string_view body);

// A tool's parameter schema as a JSON object; "" gives an object schema without properties.
StatusOr<boost::json::object> ToolSchema(const ToolSpec& tool);

// A token count from a usage object: absent, null, negative or not an integer gives 0.
int64_t TokenCount(const boost::json::object& usage, std::string_view key);

}  // namespace bulwark::evals::internal
