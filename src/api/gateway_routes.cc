#include "api/gateway_routes.h"

#include <atomic>
#include <memory>

#include "base/log.h"
#include "base/time_format.h"

namespace bulwark::api {
namespace {

// The gateway key of a request: `Authorization: Bearer …`, else `x-api-key`.
std::string KeyOf(const HttpRequest& request) {
  if (std::optional<std::string> auth = request.Header("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (auth->size() > kBearer.size() && auth->compare(0, kBearer.size(), kBearer) == 0) {
      return auth->substr(kBearer.size());
    }
  }
  return request.Header("x-api-key").value_or("");
}

HttpResponse GatewayError(const Status& status) {
  if (status.detail("upstream").has_value() && status.code() == StatusCode::kUnavailable) {
    return ErrorResponse(502, "bad_gateway", status.message(), status.details());
  }
  return ErrorResponse(status);
}

HttpResponse Forward(review::Gateway& gateway, HttpRequest& request, review::Provider protocol) {
  review::GatewayCall call{KeyOf(request),         protocol,          request.body, request.headers,
                           request.remote_address, request.request_id};
  if (call.secret.empty()) {
    return ErrorResponse(UnauthenticatedError(
        "a gateway key is required: Authorization: Bearer bwg_... or x-api-key: bwg_..."));
  }
  StatusOr<std::unique_ptr<review::GatewayExchange>> opened = gateway.Open(call);
  if (!opened.ok()) return GatewayError(opened.status());
  std::shared_ptr<review::GatewayExchange> exchange = std::move(opened).value();
  HttpResponse response;
  response.status = exchange->status();
  response.content_type = exchange->content_type();
  response.headers = exchange->headers();
  response.principal = exchange->access().key.user_id;
  // The call's settlement and ledger entry: queued once the answer is on its way, and written
  // with the others of the moment (Gateway::FinishLater); written before the answer where the
  // window suspends keys on alerts, whose signals must see this call before the key's next one
  // is let through. It runs once, also when a stream never started (the client gone before its
  // header).
  const bool record_first = exchange->RecordBeforeAnswer();
  auto record = [&gateway, exchange, record_first, call = std::move(call),
                 pending = gateway.RecordPending(),
                 done = std::make_shared<std::atomic<bool>>(false)] {
    if (done->exchange(true)) return;
    if (!record_first) return gateway.FinishLater(call, exchange);
    if (Status s = gateway.Finish(call, *exchange); !s.ok()) {
      Log(LogLevel::kError, "gateway call not recorded", {{"error", s.ToString()}});
    }
  };
  if (!exchange->streaming()) {
    StatusOr<std::string> body = exchange->ReadAll();
    if (record_first) record();
    response.after = std::move(record);
    if (!body.ok()) {
      HttpResponse error = GatewayError(body.status());
      error.after = std::move(response.after);
      return error;
    }
    response.body = std::move(body).value();
    return response;
  }
  response.stream = [exchange, record_first, record](BodyWriter& out) {
    out.OnClientGone([exchange] { exchange->Cancel(); });
    while (std::optional<std::string> piece = exchange->Next()) {
      if (!out.Write(*piece)) {
        exchange->Cancel();  // the client left: stop the model, count what was streamed
        while (exchange->Next()) {
        }
        break;
      }
    }
    if (record_first) record();
  };
  response.after = std::move(record);
  return response;
}

}  // namespace

void RegisterGatewayRoutes(Router& router, review::Gateway& gateway) {
  router.Add(
      "POST", "/gateway/v1/chat/completions",
      [&gateway](HttpRequest& request) {
        return Forward(gateway, request, review::Provider::kOpenAi);
      },
      Execution::kLongRunning);
  router.Add(
      "POST", "/gateway/v1/messages",
      [&gateway](HttpRequest& request) {
        return Forward(gateway, request, review::Provider::kAnthropic);
      },
      Execution::kLongRunning);
  router.Add("GET", "/gateway/v1/models", [&gateway](HttpRequest& request) {
    const std::string key = KeyOf(request);
    if (key.empty()) {
      return ErrorResponse(UnauthenticatedError(
          "a gateway key is required: Authorization: Bearer bwg_... or x-api-key: bwg_..."));
    }
    StatusOr<review::GatewayAccess> access = gateway.Models(key);
    if (!access.ok()) return ErrorResponse(access.status());
    const std::string id = access->key.gateway_model;
    const Time created = access->version.created_at;
    boost::json::object model;
    if (request.Header("anthropic-version")) {
      model = {{"type", "model"},
               {"id", id},
               {"display_name", id},
               {"created_at", FormatRfc3339(created)}};
      return JsonResponse(200, {{"data", boost::json::array{model}},
                                {"has_more", false},
                                {"first_id", id},
                                {"last_id", id}});
    }
    model = {{"id", id},
             {"object", "model"},
             {"created", ToUnixMicros(created) / 1000000},
             {"owned_by", "bulwark-gateway"},
             {"api", std::string(review::ProviderName(access->version.provider))},
             {"access_ends_at", FormatRfc3339(access->access_ends_at)},
             // Whether the lab keeps the content of calls (encrypted, read only by two people).
             {"content_retained", access->window && access->window->retain_content}};
    return JsonResponse(200, {{"object", "list"}, {"data", boost::json::array{model}}});
  });
}

}  // namespace bulwark::api
