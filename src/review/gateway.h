// Gateway: the model gateway's rules. A trusted partner calls a lab's unreleased model with a
// personal gateway key; the gateway checks the key at that moment (ReviewService), sends the
// request on to the lab's API with the lab's credential, which nobody else ever sees, and
// passes the answer back, streamed as it arrives when the client asked for a stream.
//
// For each call:
//   - the key must be known, not revoked or expired, its grant active and its window open
//     (401 or 403 with the reason and nothing about the lab);
//   - the body is a JSON object naming a model the key reaches (ModelId: "Atlas/2.0"), else
//     400 or 404; the gateway rewrites it to the lab's model name upstream and, for a streamed
//     OpenAI-style call, asks for the usage in the stream;
//   - upstream gets the lab's credential (Authorization: Bearer for OpenAI-style APIs,
//     x-api-key for Anthropic-style) and none of the client's headers but the content type and
//     the protocol's version headers; the client gets none of upstream's but the content type
//     and request id: no provider organization, no rate-limit headers, no cookies;
//   - the lab's credential is removed from anything upstream says before it reaches the client;
//   - an upstream that cannot be reached or answers garbage is 502, one that does not answer in
//     time 504, each in Bulwark's error envelope;
//   - before the call goes upstream, one request and its most tokens (the input's estimate,
//     bytes / 4, plus max_tokens, 4096 when not given) are reserved against the key's daily
//     quota, from this replica's lease of it (QuotaLeases: a commit only when a new lease is
//     taken), so calls in flight together, on every replica, never pass it; 429 naming the
//     limit when it would. The key's requests per minute are limited in this
//     process (each replica counts its own);
//   - a call of a known key that is refused (403, 400, 404, 429) is a `gateway.request` entry
//     that was not allowed, one that failed upstream (502, 504) an allowed entry, each with the
//     error and its reason; at most kMaxRefusalsRecorded a minute per key in this process, and
//     the next one recorded counts those past it (`unrecorded_before`), so that a key hammering
//     the gateway cannot flood the ledger. A secret that is no key is only rate-limited;
//   - every call answered is a ledger entry: `gateway.request` on the key, by its user, under
//     its grant and window, with the SHA-256 of the request and of the answer, the status and
//     the tokens, never the content; written with the settlement once the answer is on its way,
//     in one commit with the calls answered within kRecordDelay (FinishLater), or before the
//     answer where the window suspends keys on alerts (RecordBeforeAnswer); where the lab
//     chose for the window that content be retained, the request and the answer the client got
//     (each up to kMaxRetainedBytes) are kept encrypted in the same commit
//     (ReviewService::RetainCall), readable only under the two-person rule;
//   - once a call is recorded, its key's use is looked at for insider-risk signals (signals.h),
//     which may raise an alert and, where the lab chose so, suspend the key;
//   - tokens are counted from the usage upstream reports (in the JSON reply, or in the stream's
//     events), also when the client leaves mid-stream (then the upstream request is cancelled,
//     and without a usage report the bytes passed count, at 4 a token), and the reservation is
//     settled with them.
//
// Thread-safety: safe from any thread; each call's exchange belongs to its caller.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/http_client.h"
#include "review/quota_leases.h"
#include "review/service.h"
#include "review/signals.h"

namespace bulwark::review {

// The client's side of a call, as the HTTP adapter read it.
struct GatewayCall {
  std::string secret;  // the gateway key, from Authorization: Bearer or x-api-key
  Provider protocol = Provider::kOpenAi;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // the client's, as sent
  std::string client_address;
  std::string request_id;
};

struct TokenUsage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

// Reads the usage an upstream reports in server-sent events, across pieces that may split
// events anywhere: OpenAI's last chunk ({"usage": {"prompt_tokens", "completion_tokens"}}),
// Anthropic's message_start (message.usage.input_tokens) and message_delta
// (usage.output_tokens).
class StreamUsage {
 public:
  explicit StreamUsage(Provider protocol) : protocol_(protocol) {}
  void Feed(std::string_view piece);
  const TokenUsage& usage() const { return usage_; }

 private:
  void Event(std::string_view data);
  Provider protocol_;
  std::string pending_;  // an incomplete line
  TokenUsage usage_;
};

// The usage in a whole JSON reply of either protocol; zero when it has none.
TokenUsage UsageOfReply(Provider protocol, std::string_view body);

// One call on its way: the upstream answer's status and headers, and its body to read.
class GatewayExchange {
 public:
  int status() const { return status_; }
  const std::string& content_type() const { return content_type_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  bool streaming() const { return streaming_; }

  // The next piece of the body, with the lab's credential removed; nullopt at the end. An
  // upstream failure mid-body ends it (the client sees a cut stream) and is logged.
  std::optional<std::string> Next();
  // Stops the upstream request (the client went); from any thread.
  void Cancel();
  // The whole body (for a reply that is not streamed); 502 when upstream's is not JSON.
  StatusOr<std::string> ReadAll();
  // Lowercase hex SHA-256 of the body passed to the client (at its end).
  std::string ResponseSha256() const;
  // The tokens upstream reported (so far, for a stream).
  const TokenUsage& usage() const { return whole_reply_ ? whole_usage_ : usage_.usage(); }
  const GatewayAccess& access() const { return access_; }
  // Whether the call is recorded before its answer goes out: where the window suspends keys on
  // alerts, so that the signals see it before the key's next call. Elsewhere the record is
  // written once the answer is on its way, off the client's wait.
  bool RecordBeforeAnswer() const { return access_.window && access_.window->suspend_on_alert; }
  // Whether the call's window keeps the content of its calls.
  bool Retained() const { return access_.window && access_.window->retain_content; }

 private:
  friend class Gateway;
  GatewayExchange(Provider protocol, GatewayAccess access)
      : usage_(protocol), protocol_(protocol), access_(std::move(access)) {}
  // Counts, digests and (where retained) keeps a piece passed to the client.
  void Pass(std::string_view text);

  std::mutex reply_mu_;  // Cancel (any thread) against the end of the reply (the reader's)
  std::unique_ptr<net::StreamedReply> reply_;
  StreamUsage usage_;
  Provider protocol_;
  GatewayAccess access_;
  std::string credential_;  // to scrub; cleared at the end
  int status_ = 0;
  std::string content_type_;
  std::vector<std::pair<std::string, std::string>> headers_;
  bool streaming_ = false;
  std::string carry_;  // the tail of the last piece, which may begin the credential
  bool whole_reply_ = false;
  TokenUsage whole_usage_;
  struct Digest;  // SHA-256 of the body passed to the client, as it goes
  std::shared_ptr<Digest> digest_;
  QuotaReservation reservation_;
  int64_t input_estimate_ = 0;  // the request's size in tokens, estimated
  int64_t bytes_passed_ = 0;    // body bytes passed to the client
  std::string retained_;        // where the window keeps content: the start of the body passed
};

struct GatewayOptions {
  double upstream_timeout_s = 120;  // to the reply's header, and between pieces of a stream
  std::string ca_file;              // trusted CAs for https upstreams; "" for the system's
};

class Gateway {
 public:
  // `audit` receives one record per call answered (may be null in tests of the rules alone).
  Gateway(ReviewService& review, store::Database& db, const secrets::SecretStore& secrets,
          access::AuditTrail* audit, GatewayOptions options = {});
  // Writes the calls still queued (FinishLater), then gives back the quota leases.
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Ends a call: settles its quota reservation with the tokens used, and records it in the
  // audit trail (the ledger): who, with which key, under which grant and window, the request's
  // hash; never the content. Then looks at the key's use for insider-risk signals. Written
  // before it returns (for a call recorded before its answer: RecordBeforeAnswer).
  Status Finish(const GatewayCall& call, const GatewayExchange& exchange);
  // The same once the answer is on its way: the call is queued, and the calls queued within
  // kRecordDelay of it are written together, in one commit, by this replica's recorder. A batch
  // that cannot be written is written call by call, so that one call that cannot be recorded
  // holds back no other; such a call is logged.
  void FinishLater(GatewayCall call, std::shared_ptr<const GatewayExchange> exchange);
  static constexpr std::chrono::milliseconds kRecordDelay{2};
  static constexpr size_t kMaxRecordBatch = 256;

  // Refused or failed calls recorded a minute per key, in this process.
  static constexpr int kMaxRefusalsRecorded = 60;

  // Marks a call answered whose record (Finish) is still to come, until the token is released.
  std::shared_ptr<void> RecordPending();
  // Waits until every call marked so far is recorded (for tests and shutdown).
  void AwaitRecorded();
  // Gives back the quota leases this replica holds (also done when it is destroyed).
  Status ReturnQuotaLeases() { return leases_.ReturnAll(); }

  // The most tokens a call may use when its body does not say (max_tokens).
  static constexpr int64_t kDefaultMaxTokens = 4096;

  // Checks the key and the body, and sends the call upstream; returns once upstream's reply
  // header arrived. Errors are for the client as they are (401, 403, 400, 404, 502, 504).
  StatusOr<std::unique_ptr<GatewayExchange>> Open(const GatewayCall& call);

  // The models a key reaches (one: its window's version), for GET /models.
  StatusOr<GatewayAccess> Models(std::string_view secret);

 private:
  StatusOr<net::HttpClient*> ClientFor(const std::string& base_url);

  ReviewService& review_;
  store::Database& db_;
  const secrets::SecretStore& secrets_;
  access::AuditTrail* audit_;
  GatewayOptions options_;
  Signals signals_;
  QuotaLeases leases_;
  // Requests per minute, per key, in this process.
  Status TakeMinuteSlot(const GatewayKey& key);
  std::mutex minutes_mu_;
  std::map<std::string, std::pair<int64_t, int64_t>> minutes_;  // key -> (minute, count)
  std::mutex clients_mu_;
  std::map<std::string, std::unique_ptr<net::HttpClient>> clients_;  // GUARDED_BY(clients_mu_)
  // Opened lab credentials by version, each with the stamp of the stored value it came from
  // (SecretStore::Stamp): a credential is opened again only when the lab replaced it.
  struct OpenedCredential {
    std::string stamp;
    std::shared_ptr<const secrets::SecretBytes> value;
  };
  // The access a call's key gives at this moment and the lab's credential; `known` receives the
  // key whenever the secret is one. What decides a key's access is read from the database and
  // kept while it gives access, with the gateway epoch it was read under
  // (ReviewService::GatewayEpoch); each call reads the epoch, and reads the key again when the
  // epoch moved, so every change (a withdrawal, a revocation, on any replica) holds from the
  // next call on, and the times (the window's end, the key's expiry) are checked at each call.
  StatusOr<std::pair<GatewayAccess, std::shared_ptr<const secrets::SecretBytes>>> Authorize(
      std::string_view secret, std::optional<GatewayKey>* known = nullptr);
  // Open, with the key told whenever the secret is one.
  StatusOr<std::unique_ptr<GatewayExchange>> OpenKnown(const GatewayCall& call,
                                                       std::optional<GatewayKey>& known);
  // The ledger entry of a known key's call that was refused or failed (see the top).
  void RecordRefusal(const GatewayCall& call, const GatewayKey& key, const Status& error);
  // A call's settlement, retained content and ledger entry, in `tx`.
  Status RecordIn(store::Transaction& tx, const GatewayCall& call, const GatewayExchange& exchange);
  // The recorder's loop: writes what FinishLater queued, a batch at a time, until stopped.
  void RecordQueued();
  struct Queued {
    GatewayCall call;
    std::shared_ptr<const GatewayExchange> exchange;
    std::shared_ptr<void> pending;  // RecordPending, until written
  };
  void WriteBatch(std::vector<Queued>& batch);
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<Queued> queue_;  // GUARDED_BY(queue_mu_)
  bool stopping_ = false;      // GUARDED_BY(queue_mu_)
  struct RefusalCount {
    int64_t minute = 0;
    int recorded = 0;        // this minute
    int64_t unrecorded = 0;  // since the last one recorded
  };
  std::mutex pending_mu_;
  std::condition_variable pending_cv_;
  int64_t pending_ = 0;  // GUARDED_BY(pending_mu_)
  std::mutex refusals_mu_;
  std::map<std::string, RefusalCount> refusals_;  // GUARDED_BY(refusals_mu_), by key
  std::mutex credentials_mu_;
  std::map<std::string, OpenedCredential> credentials_;  // GUARDED_BY(credentials_mu_)
  struct KeptKey {
    int64_t epoch = -1;
    std::shared_ptr<const GatewayKeyRecord> record;
    std::shared_ptr<const secrets::SecretBytes> credential;  // null while refused
  };
  std::mutex kept_mu_;
  std::unordered_map<std::string, KeptKey> kept_;  // GUARDED_BY(kept_mu_), by the secret's hash
  std::thread recorder_;                           // last: started once everything it uses is there
};

}  // namespace bulwark::review
