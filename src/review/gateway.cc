#include "review/gateway.h"

#include <sodium.h>

#include <boost/json.hpp>
#include <utility>

#include "access/credentials.h"
#include "base/encoding.h"
#include "base/json.h"
#include "base/log.h"

namespace bulwark::review {
namespace {

namespace json = boost::json;

constexpr std::string_view kRedacted = "[redacted]";
constexpr std::string_view kAnthropicVersion = "2023-06-01";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> HeaderOf(const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

int64_t IntAt(const json::value* v) {
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->get_double());
  return 0;
}

const json::value* Path(const json::value& v, std::initializer_list<std::string_view> keys) {
  const json::value* at = &v;
  for (std::string_view key : keys) {
    if (!at->is_object()) return nullptr;
    at = at->as_object().if_contains(key);
    if (at == nullptr) return nullptr;
  }
  return at;
}

// Replaces every occurrence of `secret` in `text`.
void Scrub(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kRedacted.size())) {
    text.replace(at, secret.size(), kRedacted);
  }
}

// The length of the longest end of `text` that begins `secret` (and is shorter than it).
size_t PartialSecretAtEnd(std::string_view text, std::string_view secret) {
  const size_t longest = std::min(text.size(), secret.size() - 1);
  for (size_t n = longest; n > 0; --n) {
    if (text.substr(text.size() - n) == secret.substr(0, n)) return n;
  }
  return 0;
}

// The ledger entry of a key's call, without its facts: by the key's user, on the key, under its
// grant and window, with the request's id and the hash of its body.
access::AuditRecord CallRecord(const GatewayCall& call, const GatewayKey& key, bool allowed) {
  return {{key.user_id, key.org_id, key.id, false, call.request_id,
           call.body.empty() ? "" : HexEncode(access::HashSecret(call.body))},
          "gateway.request",
          key.id,
          allowed,
          key.window_id.empty() ? std::vector<std::string>{key.grant_id}
                                : std::vector<std::string>{key.grant_id, key.window_id},
          {}};
}

Status Upstream(std::string_view what, std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message), {{"upstream", std::string(what)}});
}

}  // namespace

void StreamUsage::Event(std::string_view data) {
  if (data == "[DONE]") return;
  json::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) return;
  if (protocol_ == Provider::kOpenAi) {
    if (const json::value* usage = Path(v, {"usage"}); usage != nullptr && usage->is_object()) {
      usage_.input_tokens = IntAt(Path(*usage, {"prompt_tokens"}));
      usage_.output_tokens = IntAt(Path(*usage, {"completion_tokens"}));
    }
    return;
  }
  const json::value* type = Path(v, {"type"});
  if (type == nullptr || !type->is_string()) return;
  if (type->as_string() == "message_start") {
    usage_.input_tokens = IntAt(Path(v, {"message", "usage", "input_tokens"}));
    usage_.output_tokens = IntAt(Path(v, {"message", "usage", "output_tokens"}));
  } else if (type->as_string() == "message_delta") {
    if (const json::value* out = Path(v, {"usage", "output_tokens"})) {
      usage_.output_tokens = IntAt(out);
    }
    if (const json::value* in = Path(v, {"usage", "input_tokens"})) {
      usage_.input_tokens = IntAt(in);
    }
  }
}

void StreamUsage::Feed(std::string_view piece) {
  pending_.append(piece);
  size_t start = 0;
  while (true) {
    size_t end = pending_.find('\n', start);
    if (end == std::string::npos) break;
    std::string_view line(pending_.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("data:")) {
      line.remove_prefix(5);
      if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      Event(line);
    }
    start = end + 1;
  }
  pending_.erase(0, start);
  if (pending_.size() > (1 << 20)) pending_.clear();  // no line is this long in a real stream
}

TokenUsage UsageOfReply(Provider protocol, std::string_view body) {
  TokenUsage usage;
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return usage;
  if (protocol == Provider::kOpenAi) {
    usage.input_tokens = IntAt(Path(v, {"usage", "prompt_tokens"}));
    usage.output_tokens = IntAt(Path(v, {"usage", "completion_tokens"}));
  } else {
    usage.input_tokens = IntAt(Path(v, {"usage", "input_tokens"}));
    usage.output_tokens = IntAt(Path(v, {"usage", "output_tokens"}));
  }
  return usage;
}

// ---- exchange ----

struct GatewayExchange::Digest {
  crypto_hash_sha256_state state;
  Digest() { crypto_hash_sha256_init(&state); }
  void Add(std::string_view bytes) {
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(bytes.data()),
                              bytes.size());
  }
};

std::string GatewayExchange::ResponseSha256() const {
  if (!digest_) return "";
  crypto_hash_sha256_state copy = digest_->state;
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&copy, out);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

std::optional<std::string> GatewayExchange::Next() {
  if (!reply_) return std::nullopt;
  StatusOr<std::optional<std::string>> piece = reply_->Next();
  if (!piece.ok() || !piece->has_value()) {
    if (!piece.ok() && piece.status().code() != StatusCode::kCancelled) {
      Log(LogLevel::kWarning, "gateway: the upstream stream broke",
          {{"grant", access_.key.grant_id}, {"error", piece.status().ToString()}});
    }
    {
      std::lock_guard<std::mutex> lock(reply_mu_);
      reply_.reset();
    }
    std::string rest = std::move(carry_);
    carry_.clear();
    Scrub(rest, credential_);
    credential_.assign(credential_.size(), '\0');
    credential_.clear();
    if (rest.empty()) return std::nullopt;
    Pass(rest);
    return rest;
  }
  usage_.Feed(**piece);
  std::string text = std::move(carry_) + std::move(**piece);
  carry_.clear();
  Scrub(text, credential_);
  // Bytes at the end that may begin the credential wait for the next piece.
  if (const size_t keep = PartialSecretAtEnd(text, credential_); keep > 0) {
    carry_ = text.substr(text.size() - keep);
    text.resize(text.size() - keep);
  }
  Pass(text);
  return text;
}

void GatewayExchange::Pass(std::string_view text) {
  bytes_passed_ += static_cast<int64_t>(text.size());
  if (digest_) digest_->Add(text);
  if (Retained() && retained_.size() < kMaxRetainedBytes) {
    retained_.append(text.substr(0, kMaxRetainedBytes - retained_.size()));
  }
}

void GatewayExchange::Cancel() {
  std::lock_guard<std::mutex> lock(reply_mu_);
  if (reply_) reply_->Cancel();
}

StatusOr<std::string> GatewayExchange::ReadAll() {
  std::string body;
  while (std::optional<std::string> piece = Next()) body += *piece;
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (status_ >= 200 && status_ < 300 && (ec || !parsed.is_object())) {
    status_ = 502;  // what the client gets, and the ledger entry says
    return Upstream("garbage", "the model's API answered with something that is not JSON");
  }
  whole_reply_ = true;
  whole_usage_ = UsageOfReply(protocol_, body);
  return body;
}

// ---- gateway ----

Gateway::Gateway(ReviewService& review, store::Database& db, const secrets::SecretStore& secrets,
                 access::AuditTrail* audit, GatewayOptions options)
    : review_(review),
      db_(db),
      secrets_(secrets),
      audit_(audit),
      options_(std::move(options)),
      signals_(db, review.clock(), audit),
      leases_(review, review.clock()),
      recorder_([this] { RecordQueued(); }) {}

Gateway::~Gateway() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  recorder_.join();
}

Status Gateway::TakeMinuteSlot(const GatewayKey& key) {
  const int64_t minute = ToUnixMicros(review_.clock().Now()) / 60'000'000;
  std::lock_guard<std::mutex> lock(minutes_mu_);
  if (minutes_.size() > 100000) minutes_.clear();  // forget idle keys now and then
  auto& [at, count] = minutes_[key.id];
  if (at != minute) {
    at = minute;
    count = 0;
  }
  if (count >= key.quota.requests_per_minute) {
    return Status(StatusCode::kResourceExhausted,
                  "this key may make " + std::to_string(key.quota.requests_per_minute) +
                      " requests a minute; wait a moment",
                  {{"limit", "requests_per_minute"}});
  }
  ++count;
  return OkStatus();
}

Status Gateway::RecordIn(store::Transaction& tx, const GatewayCall& call,
                         const GatewayExchange& exchange) {
  TokenUsage used = exchange.usage();
  int64_t tokens = used.input_tokens + used.output_tokens;
  if (tokens == 0 && exchange.bytes_passed_ > 0) {
    tokens = exchange.input_estimate_ + (exchange.bytes_passed_ + 3) / 4;
  }
  BW_RETURN_IF_ERROR(review_.SettleQuota(tx, exchange.reservation_, tokens));
  if (audit_ == nullptr) return OkStatus();
  access::AuditRecord record = CallRecord(call, exchange.access().key, true);
  const std::string response_sha256 = exchange.ResponseSha256();
  std::string retained;
  if (exchange.Retained()) {
    const std::string_view request(call.body);
    BW_ASSIGN_OR_RETURN(
        retained, review_.RetainCall(tx, exchange.access(),
                                     {call.request_id, exchange.status(), exchange.streaming(),
                                      request.substr(0, kMaxRetainedBytes), exchange.retained_,
                                      static_cast<int64_t>(request.size()), exchange.bytes_passed_,
                                      record.actor.body_sha256, response_sha256}));
  }
  record.facts = {{"status", std::to_string(exchange.status())},
                  {"streamed", exchange.streaming() ? "true" : "false"},
                  {"input_tokens", std::to_string(used.input_tokens)},
                  {"output_tokens", std::to_string(used.output_tokens)},
                  {"tokens_charged", std::to_string(tokens)},
                  {"response_sha256", response_sha256},
                  {"version", exchange.access().version.id},
                  {"client_address", call.client_address}};
  if (!retained.empty()) record.facts.emplace_back("retained_call", retained);
  return audit_->Record(tx, record);
}

Status Gateway::Finish(const GatewayCall& call, const GatewayExchange& exchange) {
  // The settlement, the retained content where the window keeps it, and the ledger entry in
  // one commit.
  Status recorded = db_.Transact(
      store::TxMode::kQueue, [&](store::Transaction& tx) { return RecordIn(tx, call, exchange); });
  if (recorded.ok() && audit_ != nullptr) {
    signals_.Observe(exchange.access(), call.client_address);
  }
  return recorded;
}

void Gateway::FinishLater(GatewayCall call, std::shared_ptr<const GatewayExchange> exchange) {
  Queued queued{std::move(call), std::move(exchange), RecordPending()};
  std::lock_guard<std::mutex> lock(queue_mu_);
  queue_.push_back(std::move(queued));
  if (queue_.size() == 1 || queue_.size() >= kMaxRecordBatch) queue_cv_.notify_one();
}

void Gateway::RecordQueued() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything written
    // The calls answered meanwhile join this commit.
    queue_cv_.wait_for(lock, kRecordDelay,
                       [this] { return stopping_ || queue_.size() >= kMaxRecordBatch; });
    std::vector<Queued> batch;
    batch.swap(queue_);
    lock.unlock();
    WriteBatch(batch);
    batch.clear();  // releases the calls' pending marks once written
    lock.lock();
  }
}

void Gateway::WriteBatch(std::vector<Queued>& batch) {
  Status all = db_.Transact(store::TxMode::kQueue, [&](store::Transaction& tx) -> Status {
    for (const Queued& q : batch) BW_RETURN_IF_ERROR(RecordIn(tx, q.call, *q.exchange));
    return OkStatus();
  });
  for (const Queued& q : batch) {
    Status s = all.ok() ? OkStatus() : Finish(q.call, *q.exchange);
    if (!s.ok()) {
      Log(LogLevel::kError, "gateway call not recorded",
          {{"key", q.exchange->access().key.id}, {"error", s.ToString()}});
    } else if (all.ok() && audit_ != nullptr) {
      signals_.Observe(q.exchange->access(), q.call.client_address);
    }
  }
}

StatusOr<net::HttpClient*> Gateway::ClientFor(const std::string& base_url) {
  std::lock_guard<std::mutex> lock(clients_mu_);
  auto it = clients_.find(base_url);
  if (it != clients_.end()) return it->second.get();
  BW_ASSIGN_OR_RETURN(net::HttpUrl url, net::ParseHttpUrl(base_url));
  BW_ASSIGN_OR_RETURN(std::unique_ptr<net::HttpClient> client,
                      net::HttpClient::Create(url, {.timeout_s = options_.upstream_timeout_s,
                                                    .user_agent = "bulwark-gateway",
                                                    .max_idle_connections = 64,
                                                    .ca_file = options_.ca_file}));
  return clients_.emplace(base_url, std::move(client)).first->second.get();
}

std::shared_ptr<void> Gateway::RecordPending() {
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    ++pending_;
  }
  return std::shared_ptr<void>(nullptr, [this](void*) {
    std::lock_guard<std::mutex> lock(pending_mu_);
    if (--pending_ == 0) pending_cv_.notify_all();
  });
}

void Gateway::AwaitRecorded() {
  std::unique_lock<std::mutex> lock(pending_mu_);
  pending_cv_.wait(lock, [this] { return pending_ == 0; });
}

void Gateway::RecordRefusal(const GatewayCall& call, const GatewayKey& key, const Status& error) {
  if (audit_ == nullptr) return;
  int64_t unrecorded = 0;
  {
    const int64_t minute = ToUnixMicros(review_.clock().Now()) / 60'000'000;
    std::lock_guard<std::mutex> lock(refusals_mu_);
    if (refusals_.size() > 100000) refusals_.clear();  // forget idle keys now and then
    RefusalCount& count = refusals_[key.id];
    if (count.minute != minute) {
      count.minute = minute;
      count.recorded = 0;
    }
    if (count.recorded >= kMaxRefusalsRecorded) {
      ++count.unrecorded;
      return;
    }
    ++count.recorded;
    unrecorded = std::exchange(count.unrecorded, 0);
  }
  // Refused by the rules: not allowed. Failed upstream (or in time): allowed, and failed.
  const bool allowed =
      error.detail("upstream").has_value() || error.code() == StatusCode::kDeadlineExceeded;
  constexpr size_t kMaxReason = 300;
  access::AuditRecord record = CallRecord(call, key, allowed);
  record.facts = {{"error", std::string(StatusCodeName(error.code()))},
                  {"reason", error.message().substr(0, kMaxReason)},
                  {"version", key.version_id},
                  {"client_address", call.client_address}};
  if (std::optional<std::string> upstream = error.detail("upstream")) {
    record.facts.emplace_back("upstream", *upstream);
  }
  if (std::optional<std::string> limit = error.detail("limit")) {
    record.facts.emplace_back("limit", *limit);
  }
  if (unrecorded > 0) record.facts.emplace_back("unrecorded_before", std::to_string(unrecorded));
  Status s = db_.Transact(store::TxMode::kQueue,
                          [&](store::Transaction& tx) { return audit_->Record(tx, record); });
  if (!s.ok()) {
    Log(LogLevel::kError, "gateway: a refused call not recorded",
        {{"key", key.id}, {"error", s.ToString()}});
  }
}

StatusOr<GatewayAccess> Gateway::Models(std::string_view secret) {
  return review_.AuthorizeGatewayKey(secret);
}

StatusOr<std::pair<GatewayAccess, std::shared_ptr<const secrets::SecretBytes>>> Gateway::Authorize(
    std::string_view secret, std::optional<GatewayKey>* known) {
  // Versions whose opened credential is kept, and keys kept; past this the kept ones are
  // dropped.
  constexpr size_t kMaxOpenedCredentials = 1024;
  constexpr size_t kMaxKeptKeys = 10000;
  if (!access::HasSecretShape(secret, "bwg_")) {
    return UnauthenticatedError("a gateway key (bwg_...) is required");
  }
  const std::string hash = access::HashSecret(secret);
  const Time now = review_.clock().Now();
  KeptKey kept;
  std::optional<GatewayAccess> access;
  BW_RETURN_IF_ERROR(db_.Transact(store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(const int64_t epoch, review_.GatewayEpoch(tx));
    {
      std::lock_guard<std::mutex> lock(kept_mu_);
      auto it = kept_.find(hash);
      if (it != kept_.end() && it->second.epoch == epoch) {
        kept = it->second;
        return OkStatus();
      }
    }
    // Read again: kept (with the lab's credential) only while it gives access, so that a
    // refused key costs no credential.
    BW_ASSIGN_OR_RETURN(GatewayKeyRecord record, review_.LoadGatewayKey(tx, secret));
    kept = {epoch, std::make_shared<const GatewayKeyRecord>(std::move(record)), nullptr};
    StatusOr<GatewayAccess> now_access = ReviewService::AccessAt(*kept.record, now);
    if (!now_access.ok()) return OkStatus();
    const secrets::SecretRef ref{"model_versions", kept.record->version.id, "credential"};
    BW_ASSIGN_OR_RETURN(std::string stamp, secrets_.Stamp(tx, ref));
    {
      std::lock_guard<std::mutex> lock(credentials_mu_);
      auto it = credentials_.find(ref.row_id);
      if (it != credentials_.end() && it->second.stamp == stamp) kept.credential = it->second.value;
    }
    if (!kept.credential) {
      BW_ASSIGN_OR_RETURN(secrets::SecretBytes opened, secrets_.Get(tx, ref));
      kept.credential = std::make_shared<const secrets::SecretBytes>(std::move(opened));
      std::lock_guard<std::mutex> lock(credentials_mu_);
      if (credentials_.size() >= kMaxOpenedCredentials) credentials_.clear();
      credentials_[ref.row_id] = {std::move(stamp), kept.credential};
    }
    std::lock_guard<std::mutex> lock(kept_mu_);
    if (kept_.size() >= kMaxKeptKeys) kept_.clear();
    kept_[hash] = kept;
    return OkStatus();
  }));
  if (known != nullptr) *known = kept.record->key;
  BW_ASSIGN_OR_RETURN(GatewayAccess granted, ReviewService::AccessAt(*kept.record, now));
  return std::make_pair(std::move(granted), kept.credential);
}

StatusOr<std::unique_ptr<GatewayExchange>> Gateway::Open(const GatewayCall& call) {
  std::optional<GatewayKey> known;
  StatusOr<std::unique_ptr<GatewayExchange>> opened = OpenKnown(call, known);
  if (!opened.ok() && known) RecordRefusal(call, *known, opened.status());
  return opened;
}

StatusOr<std::unique_ptr<GatewayExchange>> Gateway::OpenKnown(const GatewayCall& call,
                                                              std::optional<GatewayKey>& known) {
  BW_ASSIGN_OR_RETURN(auto authorized, Authorize(call.secret, &known));
  GatewayAccess& access = authorized.first;
  const secrets::SecretBytes& lab_credential = *authorized.second;
  const ModelVersion& version = access.version;
  // The body: a JSON object naming the model the key reaches.
  json::error_code ec;
  json::value body = json::parse(call.body, ec);
  if (ec || !body.is_object()) {
    return InvalidArgumentError("the request body must be a JSON object");
  }
  json::object& request = body.as_object();
  const std::string& model_id = access.key.gateway_model;
  const json::value* model = request.if_contains("model");
  if (model == nullptr || !model->is_string()) {
    return Status(StatusCode::kInvalidArgument,
                  "the request must name its model: \"model\": \"" + model_id + "\"",
                  {{"field", "model"}});
  }
  if (model->as_string() != model_id) {
    return NotFoundError("this key reaches no model '" + std::string(model->as_string()) +
                         "'; GET /gateway/v1/models lists the one it reaches");
  }
  if (call.protocol != version.provider) {
    return Status(StatusCode::kInvalidArgument,
                  version.provider == Provider::kAnthropic
                      ? "this model speaks the Anthropic Messages API: POST /gateway/v1/messages"
                      : "this model speaks the OpenAI Chat Completions API: POST "
                        "/gateway/v1/chat/completions",
                  {{"field", "model"}});
  }
  request["model"] = version.upstream_model;
  const json::value* stream_flag = request.if_contains("stream");
  const bool stream = stream_flag != nullptr && stream_flag->is_bool() && stream_flag->get_bool();
  if (stream && call.protocol == Provider::kOpenAi) {
    // Tokens are counted from the usage upstream reports: ask for it in the stream.
    json::value& options = request["stream_options"];
    if (!options.is_object()) options = json::object();
    options.as_object()["include_usage"] = true;
  }

  // The most this call may cost, reserved against the key's quotas before it goes upstream.
  int64_t max_output = kDefaultMaxTokens;
  for (std::string_view field : {"max_completion_tokens", "max_tokens"}) {
    if (const json::value* v = request.if_contains(field); v != nullptr && IntAt(v) > 0) {
      max_output = IntAt(v);
      break;
    }
  }
  const int64_t input_estimate = static_cast<int64_t>(call.body.size() + 3) / 4;
  BW_RETURN_IF_ERROR(TakeMinuteSlot(access.key));
  BW_ASSIGN_OR_RETURN(QuotaReservation reservation,
                      leases_.Reserve(access.key, input_estimate + max_output));
  auto release = [&] {
    if (Status s = review_.SettleQuota(reservation, 0); !s.ok()) {
      Log(LogLevel::kWarning, "gateway: a quota reservation not released",
          {{"key", access.key.id}, {"error", s.ToString()}});
    }
  };

  const std::string_view credential = lab_credential.view();
  net::HttpRequest upstream;
  StatusOr<net::HttpUrl> parsed_url = net::ParseHttpUrl(version.base_url);
  if (!parsed_url.ok()) {
    release();
    return Upstream("unreachable", "the model's API address is not usable");
  }
  const net::HttpUrl& url = *parsed_url;
  if (call.protocol == Provider::kOpenAi) {
    upstream.target = url.path + "/chat/completions";
    upstream.headers.emplace_back("Authorization", "Bearer " + std::string(credential));
  } else {
    upstream.target =
        url.path.ends_with("/v1") ? url.path + "/messages" : url.path + "/v1/messages";
    upstream.headers.emplace_back("x-api-key", std::string(credential));
    upstream.headers.emplace_back(
        "anthropic-version",
        HeaderOf(call.headers, "anthropic-version").value_or(std::string(kAnthropicVersion)));
    if (std::optional<std::string> beta = HeaderOf(call.headers, "anthropic-beta")) {
      upstream.headers.emplace_back("anthropic-beta", *beta);
    }
  }
  if (stream) upstream.headers.emplace_back("Accept", "text/event-stream");
  upstream.body = json::serialize(body);

  StatusOr<net::HttpClient*> client = ClientFor(version.base_url);
  StatusOr<std::unique_ptr<net::StreamedReply>> reply =
      client.ok() ? (*client)->Send(upstream)
                  : StatusOr<std::unique_ptr<net::StreamedReply>>(client.status());
  for (auto& [name, value] : upstream.headers) value.assign(value.size(), '\0');
  if (!reply.ok()) {
    release();
    if (reply.status().code() == StatusCode::kDeadlineExceeded) {
      return Status(StatusCode::kDeadlineExceeded, "the model's API did not answer in time",
                    {{"upstream", "timeout"}});
    }
    return Upstream("unreachable", "the model's API cannot be reached");
  }
  auto exchange = std::unique_ptr<GatewayExchange>(new GatewayExchange(call.protocol, access));
  exchange->reply_ = std::move(reply).value();
  exchange->credential_ = std::string(credential);
  exchange->reservation_ = reservation;
  exchange->digest_ = std::make_shared<GatewayExchange::Digest>();
  exchange->input_estimate_ = input_estimate;
  const int status = exchange->reply_->status();
  if (status == 401 || status == 403) {
    exchange->Cancel();
    release();
    return Upstream("credential_refused",
                    "the model's API refused the lab's credential; the lab must replace it");
  }
  exchange->status_ = status;
  exchange->content_type_ =
      std::string(exchange->reply_->Header("Content-Type").value_or("application/json"));
  if (std::optional<std::string_view> retry = exchange->reply_->Header("Retry-After")) {
    exchange->headers_.emplace_back("Retry-After", std::string(*retry));
  }
  exchange->streaming_ =
      stream && status == 200 && exchange->content_type_.starts_with("text/event-stream");
  return exchange;
}

}  // namespace bulwark::review
