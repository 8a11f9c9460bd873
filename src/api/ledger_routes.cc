#include "api/ledger_routes.h"

#include <boost/json.hpp>
#include <charconv>

#include "access/policy.h"
#include "base/encoding.h"
#include "base/time_format.h"

namespace bulwark::api {
namespace {

using access::Principal;

// Reads a non-negative integer query parameter; `fallback` when absent.
StatusOr<uint64_t> ReadCount(const HttpRequest& request, const std::string& name,
                             std::optional<uint64_t> fallback) {
  auto it = request.query.find(name);
  if (it == request.query.end()) {
    if (fallback) return *fallback;
    return Status(StatusCode::kInvalidArgument, "give the query parameter " + name,
                  {{"parameter", name}});
  }
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc() || ptr != it->second.data() + it->second.size()) {
    return Status(StatusCode::kInvalidArgument, name + " must be a non-negative integer",
                  {{"parameter", name}});
  }
  return value;
}

boost::json::array RenderHashes(const std::vector<ledger::Hash>& hashes) {
  boost::json::array out;
  for (const ledger::Hash& h : hashes) {
    out.push_back(boost::json::value(
        Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()))));
  }
  return out;
}

std::string HashText(const ledger::Hash& h) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

}  // namespace

void RegisterLedgerRoutes(Router& router, Authenticator& auth, access::Directory& directory,
                          ledger::TransparencyLog& ledger) {
  router.Add("GET", "/api/v1/ledger/key", [&ledger](HttpRequest&) {
    return TextResponse(200, "text/plain; charset=utf-8", ledger.verifier_key() + "\n");
  });
  router.Add("GET", "/api/v1/ledger/checkpoint",
             auth.Require([&ledger](HttpRequest&, const Principal&) {
               StatusOr<std::optional<ledger::SignedCheckpoint>> latest = ledger.LatestCheckpoint();
               if (!latest.ok()) return ErrorResponse(latest.status());
               if (!*latest) {
                 StatusOr<ledger::SignedCheckpoint> signed_now = ledger.SignCheckpoint();
                 if (!signed_now.ok()) return ErrorResponse(signed_now.status());
                 *latest = *signed_now;
               }
               return TextResponse(200, "text/plain; charset=utf-8", (*latest)->note);
             }));
  router.Add("POST", "/api/v1/ledger/checkpoint",
             auth.Require([&directory, &ledger](HttpRequest&, const Principal& p) {
               StatusOr<access::Decision> d =
                   directory.Check(p, access::actions::kLedgerSign, access::kPlatform);
               if (!d.ok()) return ErrorResponse(d.status());
               if (!d->allowed) return ErrorResponse(PermissionDeniedError(d->reason));
               StatusOr<ledger::SignedCheckpoint> c = ledger.SignCheckpoint();
               if (!c.ok()) return ErrorResponse(c.status());
               return TextResponse(201, "text/plain; charset=utf-8", c->note);
             }));
  router.Add(
      "GET", "/api/v1/ledger/entries",
      auth.Require([&directory, &ledger](HttpRequest& request, const Principal& p) {
        StatusOr<uint64_t> start = ReadCount(request, "start", 0);
        StatusOr<uint64_t> limit = ReadCount(request, "limit", 100);
        if (!start.ok()) return ErrorResponse(start.status());
        if (!limit.ok()) return ErrorResponse(limit.status());
        if (*limit < 1 || *limit > 1000) {
          return ErrorResponse(Status(StatusCode::kInvalidArgument, "limit must be from 1 to 1000",
                                      {{"parameter", "limit"}}));
        }
        StatusOr<access::Decision> d =
            directory.Check(p, access::actions::kLedgerRead, access::kPlatform);
        if (!d.ok()) return ErrorResponse(d.status());
        // Everyone sees the entries about their own actions, their user and their organization.
        std::optional<ledger::TransparencyLog::EntryFilter> only;
        if (!d->allowed)
          only = ledger::TransparencyLog::EntryFilter{p.user_id, {p.user_id, p.org_id}};
        StatusOr<std::vector<ledger::Entry>> entries = ledger.Entries(*start, *limit, only);
        if (!entries.ok()) return ErrorResponse(entries.status());
        boost::json::array items;
        for (const ledger::Entry& e : *entries) {
          boost::system::error_code ec;
          boost::json::value parsed = boost::json::parse(e.leaf, ec);
          items.push_back({{"index", e.index},
                           {"leaf_hash", HashText(e.leaf_hash)},
                           {"appended_at", FormatRfc3339(e.appended_at)},
                           {"leaf", Base64Encode(e.leaf)},
                           {"entry", ec ? boost::json::value(nullptr) : parsed}});
        }
        uint64_t next = entries->empty() ? *start : entries->back().index + 1;
        return JsonResponse(200,
                            {{"items", std::move(items)},
                             {"next_start", entries->size() < *limit ? boost::json::value(nullptr)
                                                                     : boost::json::value(next)}});
      }));
  router.Add("GET", "/api/v1/ledger/proof/inclusion",
             auth.Require([&ledger](HttpRequest& request, const Principal&) {
               StatusOr<uint64_t> index = ReadCount(request, "index", std::nullopt);
               StatusOr<uint64_t> size = ReadCount(request, "size", std::nullopt);
               if (!index.ok()) return ErrorResponse(index.status());
               if (!size.ok()) return ErrorResponse(size.status());
               StatusOr<std::vector<ledger::Hash>> proof = ledger.InclusionProof(*index, *size);
               if (!proof.ok()) return ErrorResponse(proof.status());
               StatusOr<ledger::Hash> root = ledger.Root(*size);
               if (!root.ok()) return ErrorResponse(root.status());
               return JsonResponse(200, {{"index", *index},
                                         {"size", *size},
                                         {"root", HashText(*root)},
                                         {"proof", RenderHashes(*proof)}});
             }));
  router.Add("GET", "/api/v1/ledger/proof/consistency",
             auth.Require([&ledger](HttpRequest& request, const Principal&) {
               StatusOr<uint64_t> size1 = ReadCount(request, "size1", std::nullopt);
               StatusOr<uint64_t> size2 = ReadCount(request, "size2", std::nullopt);
               if (!size1.ok()) return ErrorResponse(size1.status());
               if (!size2.ok()) return ErrorResponse(size2.status());
               StatusOr<std::vector<ledger::Hash>> proof = ledger.ConsistencyProof(*size1, *size2);
               if (!proof.ok()) return ErrorResponse(proof.status());
               StatusOr<ledger::Hash> root1 = ledger.Root(*size1);
               StatusOr<ledger::Hash> root2 = ledger.Root(*size2);
               if (!root1.ok()) return ErrorResponse(root1.status());
               if (!root2.ok()) return ErrorResponse(root2.status());
               return JsonResponse(200, {{"size1", *size1},
                                         {"size2", *size2},
                                         {"root1", HashText(*root1)},
                                         {"root2", HashText(*root2)},
                                         {"proof", RenderHashes(*proof)}});
             }));
}

}  // namespace bulwark::api
