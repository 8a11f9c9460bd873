// The model gateway's paths, an adapter of the review service's Gateway (review/gateway.h):
//
//   POST /gateway/v1/chat/completions   OpenAI Chat Completions, streamed or not
//   POST /gateway/v1/messages           Anthropic Messages, streamed or not
//   GET  /gateway/v1/models             the model the key reaches, in the client's format
//
// so that an OpenAI client's base URL is http(s)://HOST/gateway/v1 and an Anthropic client's
// http(s)://HOST/gateway. The key comes in `Authorization: Bearer bwg_…` or `x-api-key`.
// Errors are Bulwark's envelope: 401/403 for the key (with the reason, nothing about the lab),
// 400/404 for the body and the model, 502 for an upstream that cannot be reached, refuses the
// lab's credential or answers garbage, 504 for one that does not answer in time.
#pragma once

#include "api/router.h"
#include "review/gateway.h"

namespace bulwark::api {

void RegisterGatewayRoutes(Router& router, review::Gateway& gateway);

}  // namespace bulwark::api
