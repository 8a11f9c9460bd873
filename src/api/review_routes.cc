#include "api/review_routes.h"

#include <algorithm>
#include <functional>
#include <string>

#include "api/render.h"
#include "api/route_helpers.h"
#include "base/json.h"
#include "base/text.h"
#include "base/time_format.h"

namespace bulwark::api {
namespace {

using access::Principal;
using boost::json::object;
using boost::json::value;

object RenderModel(const review::Model& m) {
  return {{"id", m.id},
          {"org_id", m.org_id},
          {"name", m.name},
          {"description", m.description},
          {"created_at", FormatRfc3339(m.created_at)}};
}

object RenderVersion(const review::ModelVersion& v) {
  return {{"id", v.id},
          {"model_id", v.model_id},
          {"org_id", v.org_id},
          {"version", v.version},
          {"provider", std::string(review::ProviderName(v.provider))},
          {"base_url", v.base_url},
          {"upstream_model", v.upstream_model},
          {"status", std::string(review::VersionStatusName(v.status))},
          {"planned_release_at", OptTime(v.planned_release_at)},
          {"released_at", OptTime(v.released_at)},
          {"has_credential", v.has_credential},
          {"created_at", FormatRfc3339(v.created_at)},
          {"updated_at", FormatRfc3339(v.updated_at)}};
}

object RenderInquiry(const review::Inquiry& q) {
  return {{"id", q.id},
          {"version_id", q.version_id},
          {"org_id", q.org_id},
          {"state", std::string(review::InquiryStateName(q.state))},
          {"question", q.question},
          {"asked_at", FormatRfc3339(q.asked_at)},
          {"asked_by", q.asked_by},
          {"accepted_at", OptTime(q.accepted_at)},
          {"accepted_by", OptText(q.accepted_by)},
          {"due_at", OptTime(q.due_at)},
          {"answered_at", OptTime(q.answered_at)},
          {"answer", OptText(q.answer)},
          {"policy_ref", OptText(q.policy_ref)},
          {"designation_id", OptText(q.designation_id)},
          {"withdrawn_at", OptTime(q.withdrawn_at)}};
}

object RenderWindow(const review::Window& w, Time now) {
  return {
      {"id", w.id},
      {"version_id", w.version_id},
      {"org_id", w.org_id},
      {"state", std::string(review::WindowStateName(w.StateAt(now)))},
      {"starts_at", FormatRfc3339(w.starts_at)},
      {"ends_at", FormatRfc3339(w.ends_at)},
      {"created_at", FormatRfc3339(w.created_at)},
      {"closed_at", OptTime(w.closed_at)},
      {"close_reason", w.close_reason ? value(std::string(review::CloseReasonName(*w.close_reason)))
                                      : value(nullptr)},
      {"hours_start", w.hours ? value(w.hours->start_hour) : value(nullptr)},
      {"hours_end", w.hours ? value(w.hours->end_hour) : value(nullptr)},
      {"suspend_on_alert", w.suspend_on_alert},
      {"retain_content", w.retain_content},
      {"retention_days", w.retention_days},
      {"holds_content", w.holds_content}};
}

object RenderContentRead(const review::ContentRead& r, Time now) {
  return {{"id", r.id},
          {"window_id", r.window_id},
          {"lab_org_id", r.lab_org_id},
          {"gateway_model", r.gateway_model},
          {"partner_org_id", OptText(r.partner_org_id)},
          {"partner_org_name", r.partner_org_id ? value(r.partner_org_name) : value(nullptr)},
          {"reason", r.reason},
          {"state", std::string(review::ContentReadStateName(r.StateAt(now)))},
          {"requested_by", r.requested_by},
          {"requested_by_name", r.requested_by_name},
          {"requester_org_id", r.requester_org_id},
          {"requested_at", FormatRfc3339(r.requested_at)},
          {"decided_by", OptText(r.decided_by)},
          {"decided_by_name", r.decided_by ? value(r.decided_by_name) : value(nullptr)},
          {"decided_at", OptTime(r.decided_at)},
          {"decision_note", r.decision_note},
          {"expires_at", OptTime(r.expires_at)},
          {"closed_by", OptText(r.closed_by)},
          {"closed_at", OptTime(r.closed_at)},
          {"calls_read", r.calls_read}};
}

object RenderRetainedCall(const review::RetainedCall& c) {
  return {{"id", c.id},
          {"window_id", c.window_id},
          {"key_id", c.key_id},
          {"key_name", c.key_name},
          {"org_id", c.org_id},
          {"org_name", c.org_name},
          {"user_id", c.user_id},
          {"request_id", c.request_id},
          {"status", c.status},
          {"streamed", c.streamed},
          {"request_bytes", c.request_bytes},
          {"response_bytes", c.response_bytes},
          {"truncated", c.truncated},
          {"request_sha256", c.request_sha256},
          {"response_sha256", c.response_sha256},
          {"created_at", FormatRfc3339(c.created_at)},
          {"purge_at", FormatRfc3339(c.purge_at)}};
}

object RenderAlert(const review::Alert& a) {
  return {{"id", a.id},
          {"kind", std::string(review::AlertKindName(a.kind))},
          {"scope", std::string(review::AlertScopeName(a.scope))},
          {"key_id", a.key_id},
          {"key_name", a.key_name},
          {"org_id", a.org_id},
          {"org_name", a.org_name},
          {"lab_org_id", a.lab_org_id},
          {"grant_id", a.grant_id},
          {"window_id", OptText(a.window_id)},
          {"gateway_model", a.gateway_model},
          {"day", FormatRfc3339(FromUnixMicros(a.day * 86400 * 1000000)).substr(0, 10)},
          {"detail", a.detail},
          {"key_suspended", a.key_suspended},
          {"created_at", FormatRfc3339(a.created_at)},
          {"acknowledged_by", OptText(a.acknowledged_by)},
          {"acknowledged_at", OptTime(a.acknowledged_at)}};
}

object RenderQuota(const review::Quota& q) {
  return {{"requests_per_day", q.requests_per_day},
          {"tokens_per_day", q.tokens_per_day},
          {"requests_per_minute", q.requests_per_minute}};
}

object RenderPartner(const review::PartnerGrant& g) {
  return {{"id", g.id},
          {"window_id", g.window_id},
          {"partner_org_id", g.partner_org_id},
          {"partner_org_name", g.partner_org_name},
          {"gateway_model", g.gateway_model},
          {"state", std::string(review::PartnerStateName(g.state))},
          {"quota", RenderQuota(g.quota)},
          {"proposed_by_party", std::string(review::PartyName(g.proposed_by_party))},
          {"proposed_by", g.proposed_by},
          {"proposed_at", FormatRfc3339(g.proposed_at)},
          {"concurred_by", OptText(g.concurred_by)},
          {"concurred_at", OptTime(g.concurred_at)},
          {"removed_by", OptText(g.removed_by)},
          {"removed_at", OptTime(g.removed_at)}};
}

object RenderDefensive(const review::DefensiveGrant& d, Time now) {
  return {{"id", d.id},
          {"version_id", d.version_id},
          {"gateway_model", d.gateway_model},
          {"lab_org_id", d.lab_org_id},
          {"lab_org_name", d.lab_org_name},
          {"org_id", d.org_id},
          {"org_name", d.org_name},
          {"purpose", d.purpose},
          {"state", std::string(review::DefensiveStateName(d.StateAt(now)))},
          {"quota", RenderQuota(d.quota)},
          {"requested_by", d.requested_by},
          {"requested_at", FormatRfc3339(d.requested_at)},
          {"expires_at", FormatRfc3339(d.expires_at)},
          {"office_approved_by", OptText(d.office_approved_by)},
          {"office_approved_at", OptTime(d.office_approved_at)},
          {"lab_approved_by", OptText(d.lab_approved_by)},
          {"lab_approved_at", OptTime(d.lab_approved_at)},
          {"closed_by", OptText(d.closed_by)},
          {"closed_at", OptTime(d.closed_at)},
          {"close_note", d.close_note}};
}

object RenderDefensiveModel(const review::DefensiveModel& m) {
  return {{"version_id", m.version_id},
          {"gateway_model", m.gateway_model},
          {"lab_org_name", m.lab_org_name},
          {"released_at", OptTime(m.released_at)},
          {"covered", m.covered}};
}

object RenderKey(const review::GatewayKey& k, Time now) {
  const bool active = !k.revoked_at && k.expires_at > now;
  return {{"id", k.id},
          {"user_id", k.user_id},
          {"org_id", k.org_id},
          {"grant_id", k.grant_id},
          {"window_id", OptText(k.window_id)},
          {"version_id", k.version_id},
          {"gateway_model", k.gateway_model},
          {"name", k.name},
          {"quota", RenderQuota(k.quota)},
          {"created_at", FormatRfc3339(k.created_at)},
          {"expires_at", FormatRfc3339(k.expires_at)},
          {"revoked_at", OptTime(k.revoked_at)},
          {"last_used_at", OptTime(k.last_used_at)},
          {"active", active}};
}

// Reads the optional quota fields of a body; the defaults stand for those not given.
std::function<void(JsonFields&)> QuotaReader(review::Quota& quota) {
  return [&quota](JsonFields& f) {
    if (std::optional<int64_t> v = f.OptionalInt("requests_per_day")) quota.requests_per_day = *v;
    if (std::optional<int64_t> v = f.OptionalInt("tokens_per_day")) quota.tokens_per_day = *v;
    if (std::optional<int64_t> v = f.OptionalInt("requests_per_minute")) {
      quota.requests_per_minute = *v;
    }
  };
}

// The settings fields of a window's body, as given.
struct SettingsFields {
  std::optional<int64_t> hours_start, hours_end, retention_days;
  std::optional<bool> suspend, retain;
  void Read(JsonFields& f) {
    hours_start = f.OptionalInt("hours_start");
    hours_end = f.OptionalInt("hours_end");
    suspend = f.OptionalBool("suspend_on_alert");
    retain = f.OptionalBool("retain_content");
    retention_days = f.OptionalInt("retention_days");
  }
};

// A window's settings from a body's hours_start and hours_end (both, or neither for any hour),
// suspend_on_alert and retain_content (default false) and retention_days (default 90).
StatusOr<review::WindowSettings> SettingsOf(const SettingsFields& fields) {
  const std::optional<int64_t>& start = fields.hours_start;
  const std::optional<int64_t>& end = fields.hours_end;
  review::WindowSettings settings;
  settings.suspend_on_alert = fields.suspend.value_or(false);
  settings.retain_content = fields.retain.value_or(false);
  settings.retention_days = fields.retention_days.value_or(review::kDefaultRetentionDays);
  if (start.has_value() != end.has_value()) {
    return Status(StatusCode::kInvalidArgument,
                  "give both hours_start and hours_end (UTC hours), or neither for any hour",
                  {{"field", start ? "hours_end" : "hours_start"}, {"rule", "window_hours"}});
  }
  if (start) {
    // Out of range stays out of range (CheckUseHours says so), without overflowing an int.
    auto hour = [](int64_t h) { return static_cast<int>(std::clamp<int64_t>(h, -1, 25)); };
    settings.hours = review::UseHours{hour(*start), hour(*end)};
  }
  return settings;
}

// Reads a body holding at most an optional note.
Status ReadNote(const HttpRequest& request, std::string& note) {
  return ReadBody(request,
                  [&](JsonFields& f) { note = f.OptionalString("note", 4000).value_or(""); });
}

}  // namespace

void RegisterReviewRoutes(Router& router, Authenticator& auth, review::ReviewService& review,
                          const Clock& clock) {
  auto window_renderer = [&clock](const review::Window& w) { return RenderWindow(w, clock.Now()); };
  auto key_renderer = [&clock](const review::GatewayKey& k) { return RenderKey(k, clock.Now()); };

  // ---- models and versions ----
  router.Add("GET", "/api/v1/review/models",
             auth.Require([&review](HttpRequest&, const Principal& p) {
               return Reply(200, review.ListModels(p), [](const std::vector<review::Model>& v) {
                 return RenderList(v, RenderModel);
               });
             }));
  router.Add(
      "POST", "/api/v1/review/models",
      auth.Require([&review](HttpRequest& request, const Principal& p) {
        std::string name;
        std::optional<std::string> org_id, description;
        if (Status s = ReadBody(request,
                                [&](JsonFields& f) {
                                  name = f.String("name", 200);
                                  org_id = f.OptionalString("org_id", 100);
                                  description = f.OptionalString("description", 4000);
                                });
            !s.ok()) {
          return ErrorResponse(s);
        }
        return Reply(
            201, review.RegisterModel(p, org_id.value_or(p.org_id), name, description.value_or("")),
            RenderModel);
      }));
  router.Add("GET", "/api/v1/review/models/{model_id}",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.GetModel(p, request.path_params["model_id"]), RenderModel);
             }));
  router.Add("GET", "/api/v1/review/models/{model_id}/versions",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.ListVersions(p, request.path_params["model_id"]),
                            [](const std::vector<review::ModelVersion>& v) {
                              return RenderList(v, RenderVersion);
                            });
             }));
  router.Add("POST", "/api/v1/review/models/{model_id}/versions",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               review::NewVersion spec;
               std::string provider;
               if (Status s = ReadBody(request,
                                       [&](JsonFields& f) {
                                         spec.version = f.String("version", 100);
                                         provider = f.String("provider", 32);
                                         spec.base_url = f.String("base_url", 2000);
                                         spec.upstream_model = f.String("upstream_model", 200);
                                         spec.credential = f.String("credential", 8000);
                                         spec.planned_release_at =
                                             f.OptionalTimestamp("planned_release_at");
                                       });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               std::optional<review::Provider> parsed = review::ParseProvider(provider);
               if (!parsed) {
                 return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                             "provider must be openai (Chat Completions) or "
                                             "anthropic (Messages)",
                                             {{"field", "provider"}}));
               }
               spec.provider = *parsed;
               return Reply(201, review.AddVersion(p, request.path_params["model_id"], spec),
                            RenderVersion);
             }));
  router.Add("GET", "/api/v1/review/versions/{version_id}",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.GetVersion(p, request.path_params["version_id"]),
                            RenderVersion);
             }));
  router.Add(
      "POST", "/api/v1/review/versions/{version_id}/status",
      auth.Require([&review](HttpRequest& request, const Principal& p) {
        std::string status;
        if (Status s = ReadBody(request, [&](JsonFields& f) { status = f.String("status", 32); });
            !s.ok()) {
          return ErrorResponse(s);
        }
        std::optional<review::VersionStatus> parsed = review::ParseVersionStatus(status);
        if (!parsed) {
          return ErrorResponse(
              Status(StatusCode::kInvalidArgument,
                     "status must be in_development, under_review, released or withdrawn",
                     {{"field", "status"}}));
        }
        return Reply(200, review.SetVersionStatus(p, request.path_params["version_id"], *parsed),
                     RenderVersion);
      }));
  router.Add(
      "PUT", "/api/v1/review/versions/{version_id}/credential",
      auth.Require([&review](HttpRequest& request, const Principal& p) {
        std::string credential;
        if (Status s = ReadBody(request,
                                [&](JsonFields& f) { credential = f.String("credential", 8000); });
            !s.ok()) {
          return ErrorResponse(s);
        }
        if (Status s = review.ReplaceCredential(p, request.path_params["version_id"], credential);
            !s.ok()) {
          return ErrorResponse(s);
        }
        HttpResponse response;
        response.status = 204;
        return response;
      }));

  // ---- inquiries ----
  router.Add(
      "GET", "/api/v1/review/inquiries", auth.Require([&review](HttpRequest&, const Principal& p) {
        return Reply(200, review.ListInquiries(p), [](const std::vector<review::Inquiry>& v) {
          return RenderList(v, RenderInquiry);
        });
      }));
  router.Add("POST", "/api/v1/review/inquiries",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               std::string version_id;
               std::optional<std::string> question;
               if (Status s = ReadBody(request,
                                       [&](JsonFields& f) {
                                         version_id = f.String("version_id", 100);
                                         question = f.OptionalString("question", 4000);
                                       });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               return Reply(201, review.SubmitInquiry(p, version_id, question.value_or("")),
                            RenderInquiry);
             }));
  router.Add("GET", "/api/v1/review/inquiries/{inquiry_id}",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.GetInquiry(p, request.path_params["inquiry_id"]),
                            RenderInquiry);
             }));
  router.Add("POST", "/api/v1/review/inquiries/{inquiry_id}/accept",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               std::optional<Time> due_at;
               if (Status s = ReadBody(
                       request, [&](JsonFields& f) { due_at = f.OptionalTimestamp("due_at"); });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               return Reply(200, review.AcceptInquiry(p, request.path_params["inquiry_id"], due_at),
                            RenderInquiry);
             }));
  router.Add("POST", "/api/v1/review/inquiries/{inquiry_id}/withdraw",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.WithdrawInquiry(p, request.path_params["inquiry_id"]),
                            RenderInquiry);
             }));

  // ---- windows ----
  router.Add("GET", "/api/v1/review/windows",
             auth.Require([&review, window_renderer](HttpRequest&, const Principal& p) {
               return Reply(200, review.ListWindows(p), [&](const std::vector<review::Window>& v) {
                 return RenderList(v, window_renderer);
               });
             }));
  router.Add(
      "POST", "/api/v1/review/windows",
      auth.Require([&review, &clock, window_renderer](HttpRequest& request, const Principal& p) {
        std::string version_id;
        std::optional<Time> starts_at, ends_at;
        SettingsFields fields;
        if (Status s = ReadBody(request,
                                [&](JsonFields& f) {
                                  version_id = f.String("version_id", 100);
                                  starts_at = f.OptionalTimestamp("starts_at");
                                  ends_at = f.OptionalTimestamp("ends_at");
                                  fields.Read(f);
                                });
            !s.ok()) {
          return ErrorResponse(s);
        }
        if (!ends_at) {
          return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                      "ends_at is required: when the window closes (at most 30 "
                                      "days after it starts)",
                                      {{"field", "ends_at"}}));
        }
        StatusOr<review::WindowSettings> settings = SettingsOf(fields);
        if (!settings.ok()) return ErrorResponse(settings.status());
        // Without starts_at the window opens now.
        review::NewWindow spec{starts_at.value_or(clock.Now()), *ends_at, *settings};
        return Reply(201, review.OpenWindow(p, version_id, spec), window_renderer);
      }));
  router.Add("GET", "/api/v1/review/windows/{window_id}",
             auth.Require([&review, window_renderer](HttpRequest& request, const Principal& p) {
               return Reply(200, review.GetWindow(p, request.path_params["window_id"]),
                            window_renderer);
             }));
  router.Add("POST", "/api/v1/review/windows/{window_id}/extend",
             auth.Require([&review, window_renderer](HttpRequest& request, const Principal& p) {
               std::optional<Time> ends_at;
               if (Status s = ReadBody(
                       request, [&](JsonFields& f) { ends_at = f.OptionalTimestamp("ends_at"); });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               if (!ends_at) {
                 return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                             "ends_at is required: the window's new end",
                                             {{"field", "ends_at"}}));
               }
               return Reply(200, review.ExtendWindow(p, request.path_params["window_id"], *ends_at),
                            window_renderer);
             }));
  router.Add("POST", "/api/v1/review/windows/{window_id}/settings",
             auth.Require([&review, window_renderer](HttpRequest& request, const Principal& p) {
               SettingsFields fields;
               if (Status s = ReadBody(request, [&](JsonFields& f) { fields.Read(f); }); !s.ok()) {
                 return ErrorResponse(s);
               }
               StatusOr<review::WindowSettings> settings = SettingsOf(fields);
               if (!settings.ok()) return ErrorResponse(settings.status());
               return Reply(
                   200, review.SetWindowSettings(p, request.path_params["window_id"], *settings),
                   window_renderer);
             }));
  router.Add("POST", "/api/v1/review/windows/{window_id}/withdraw",
             auth.Require([&review, window_renderer](HttpRequest& request, const Principal& p) {
               return Reply(200, review.WithdrawWindow(p, request.path_params["window_id"]),
                            window_renderer);
             }));

  // ---- partners ----
  router.Add("GET", "/api/v1/review/windows/{window_id}/partners",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.ListPartners(p, request.path_params["window_id"]),
                            [](const std::vector<review::PartnerGrant>& v) {
                              return RenderList(v, RenderPartner);
                            });
             }));
  router.Add("POST", "/api/v1/review/windows/{window_id}/partners",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               std::string org_id;
               review::Quota quota;
               if (Status s = ReadBody(request,
                                       [&](JsonFields& f) {
                                         org_id = f.String("partner_org_id", 100);
                                         QuotaReader(quota)(f);
                                       });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               return Reply(
                   201, review.ProposePartner(p, request.path_params["window_id"], org_id, quota),
                   RenderPartner);
             }));
  router.Add("POST", "/api/v1/review/partners/{grant_id}/concur",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.ConcurPartner(p, request.path_params["grant_id"]),
                            RenderPartner);
             }));
  router.Add("POST", "/api/v1/review/partners/{grant_id}/remove",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.RemovePartner(p, request.path_params["grant_id"]),
                            RenderPartner);
             }));
  router.Add("GET", "/api/v1/review/partner-organizations",
             auth.Require([&review](HttpRequest&, const Principal& p) {
               return Reply(200, review.ListPartnerCandidates(p),
                            [](const std::vector<access::Organization>& v) {
                              return RenderList(v, RenderOrganization);
                            });
             }));
  router.Add(
      "GET", "/api/v1/review/grants", auth.Require([&review](HttpRequest&, const Principal& p) {
        return Reply(200, review.ListOwnGrants(p), [](const std::vector<review::PartnerGrant>& v) {
          return RenderList(v, RenderPartner);
        });
      }));

  router.Add(
      "GET", "/api/v1/review/windows/{window_id}/usage",
      auth.Require([&review](HttpRequest& request, const Principal& p) {
        return Reply(
            200, review.WindowUsage(p, request.path_params["window_id"]),
            [](const std::vector<review::PartnerUsage>& v) {
              boost::json::array items;
              for (const review::PartnerUsage& u : v) {
                items.push_back(
                    {{"partner_org_id", u.partner_org_id},
                     {"partner_org_name", u.partner_org_name},
                     {"day", FormatRfc3339(FromUnixMicros(u.day * 86400 * 1000000)).substr(0, 10)},
                     {"requests", u.requests},
                     {"tokens", u.tokens}});
              }
              return object{{"items", std::move(items)}};
            });
      }));

  // ---- defensive access ----
  auto defensive_renderer = [&clock](const review::DefensiveGrant& d) {
    return RenderDefensive(d, clock.Now());
  };
  router.Add("GET", "/api/v1/review/defensive-models",
             auth.Require([&review](HttpRequest&, const Principal& p) {
               return Reply(200, review.ListDefensiveModels(p),
                            [](const std::vector<review::DefensiveModel>& v) {
                              return RenderList(v, RenderDefensiveModel);
                            });
             }));
  router.Add("GET", "/api/v1/review/defensive-access",
             auth.Require([&review, defensive_renderer](HttpRequest&, const Principal& p) {
               return Reply(200, review.ListDefensiveAccess(p),
                            [&](const std::vector<review::DefensiveGrant>& v) {
                              return RenderList(v, defensive_renderer);
                            });
             }));
  router.Add("POST", "/api/v1/review/defensive-access",
             auth.Require([&review, defensive_renderer](HttpRequest& request, const Principal& p) {
               review::NewDefensiveRequest spec;
               std::optional<Time> expires_at;
               if (Status s = ReadBody(request,
                                       [&](JsonFields& f) {
                                         spec.version_id = f.String("version_id", 100);
                                         spec.purpose = f.String("purpose", 4000);
                                         expires_at = f.OptionalTimestamp("expires_at");
                                         QuotaReader(spec.quota)(f);
                                       });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               if (!expires_at) {
                 return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                             "expires_at is required: when the access ends (at "
                                             "most 365 days from now)",
                                             {{"field", "expires_at"}}));
               }
               spec.expires_at = *expires_at;
               return Reply(201, review.RequestDefensiveAccess(p, spec), defensive_renderer);
             }));
  router.Add("POST", "/api/v1/review/defensive-access/{grant_id}/approve",
             auth.Require([&review, defensive_renderer](HttpRequest& request, const Principal& p) {
               return Reply(200, review.ApproveDefensiveAccess(p, request.path_params["grant_id"]),
                            defensive_renderer);
             }));
  router.Add("POST", "/api/v1/review/defensive-access/{grant_id}/deny",
             auth.Require([&review, defensive_renderer](HttpRequest& request, const Principal& p) {
               std::string note;
               if (Status s = ReadNote(request, note); !s.ok()) return ErrorResponse(s);
               return Reply(200,
                            review.DenyDefensiveAccess(p, request.path_params["grant_id"], note),
                            defensive_renderer);
             }));
  router.Add("POST", "/api/v1/review/defensive-access/{grant_id}/revoke",
             auth.Require([&review, defensive_renderer](HttpRequest& request, const Principal& p) {
               std::string note;
               if (Status s = ReadNote(request, note); !s.ok()) return ErrorResponse(s);
               return Reply(200,
                            review.RevokeDefensiveAccess(p, request.path_params["grant_id"], note),
                            defensive_renderer);
             }));

  // ---- insider-risk alerts ----
  router.Add("GET", "/api/v1/review/alerts",
             auth.Require([&review](HttpRequest&, const Principal& p) {
               return Reply(200, review.ListAlerts(p), [](const std::vector<review::Alert>& v) {
                 return RenderList(v, RenderAlert);
               });
             }));
  router.Add("POST", "/api/v1/review/alerts/{alert_id}/acknowledge",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.AcknowledgeAlert(p, request.path_params["alert_id"]),
                            RenderAlert);
             }));

  // ---- retained content, read under the two-person rule ----
  auto read_renderer = [&clock](const review::ContentRead& r) {
    return RenderContentRead(r, clock.Now());
  };
  router.Add("GET", "/api/v1/review/content-reads",
             auth.Require([&review, read_renderer](HttpRequest&, const Principal& p) {
               return Reply(200, review.ListContentReads(p),
                            [&](const std::vector<review::ContentRead>& v) {
                              return RenderList(v, read_renderer);
                            });
             }));
  router.Add("POST", "/api/v1/review/content-reads",
             auth.Require([&review, read_renderer](HttpRequest& request, const Principal& p) {
               review::NewContentRead spec;
               if (Status s = ReadBody(request,
                                       [&](JsonFields& f) {
                                         spec.window_id = f.String("window_id", 100);
                                         spec.reason = f.String("reason", 4000);
                                         spec.partner_org_id =
                                             f.OptionalString("partner_org_id", 100);
                                       });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               return Reply(201, review.RequestContentRead(p, spec), read_renderer);
             }));
  router.Add("POST", "/api/v1/review/content-reads/{read_id}/approve",
             auth.Require([&review, read_renderer](HttpRequest& request, const Principal& p) {
               return Reply(200, review.ApproveContentRead(p, request.path_params["read_id"]),
                            read_renderer);
             }));
  router.Add("POST", "/api/v1/review/content-reads/{read_id}/deny",
             auth.Require([&review, read_renderer](HttpRequest& request, const Principal& p) {
               std::string note;
               if (Status s = ReadNote(request, note); !s.ok()) return ErrorResponse(s);
               return Reply(200, review.DenyContentRead(p, request.path_params["read_id"], note),
                            read_renderer);
             }));
  router.Add("POST", "/api/v1/review/content-reads/{read_id}/revoke",
             auth.Require([&review, read_renderer](HttpRequest& request, const Principal& p) {
               std::string note;
               if (Status s = ReadNote(request, note); !s.ok()) return ErrorResponse(s);
               return Reply(200, review.RevokeContentRead(p, request.path_params["read_id"], note),
                            read_renderer);
             }));
  router.Add("GET", "/api/v1/review/content-reads/{read_id}/calls",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               return Reply(200, review.ListRetainedCalls(p, request.path_params["read_id"]),
                            [](const std::vector<review::RetainedCall>& v) {
                              return RenderList(v, RenderRetainedCall);
                            });
             }));
  router.Add("GET", "/api/v1/review/content-reads/{read_id}/calls/{call_id}",
             auth.Require([&review](HttpRequest& request, const Principal& p) {
               StatusOr<review::RetainedContent> content = review.ReadRetainedCall(
                   p, request.path_params["read_id"], request.path_params["call_id"]);
               if (!content.ok()) return ErrorResponse(content.status());
               object body = RenderRetainedCall(content->call);
               // The bodies as text; bytes that are not UTF-8 show as U+FFFD.
               body["request"] = ValidUtf8(content->request);
               body["response"] = ValidUtf8(content->response);
               return JsonResponse(200, body);
             }));

  // ---- gateway keys ----
  router.Add("GET", "/api/v1/review/keys",
             auth.Require([&review, &clock, key_renderer](HttpRequest&, const Principal& p) {
               StatusOr<std::vector<review::GatewayKey>> keys = review.ListGatewayKeys(p);
               if (!keys.ok()) return ErrorResponse(keys.status());
               boost::json::array items;
               for (const review::GatewayKey& k : *keys) {
                 object o = key_renderer(k);
                 // What is left of today's quota (UTC).
                 StatusOr<review::QuotaUse> use = review.UsageOn(k.id, clock.Now());
                 if (!use.ok()) return ErrorResponse(use.status());
                 o["used_today"] = {{"requests", use->requests}, {"tokens", use->tokens_used}};
                 // Held for calls in flight and by gateway replicas' leases: not yet used,
                 // and not available to another replica either.
                 o["held_today"] = {{"requests", use->requests_reserved},
                                    {"tokens", use->tokens_reserved}};
                 items.push_back(std::move(o));
               }
               return JsonResponse(200, object{{"items", std::move(items)}});
             }));
  router.Add("POST", "/api/v1/review/keys",
             auth.Require([&review, key_renderer](HttpRequest& request, const Principal& p) {
               std::string grant_id, name;
               std::optional<Time> expires_at;
               if (Status s = ReadBody(request,
                                       [&](JsonFields& f) {
                                         grant_id = f.String("grant_id", 100);
                                         name = f.String("name", 200);
                                         expires_at = f.OptionalTimestamp("expires_at");
                                       });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               StatusOr<review::IssuedGatewayKey> issued =
                   review.IssueGatewayKey(p, grant_id, name, expires_at);
               if (!issued.ok()) return ErrorResponse(issued.status());
               object body = key_renderer(issued->key);
               body["secret"] = issued->secret;
               return JsonResponse(201, body);
             }));
  router.Add("POST", "/api/v1/review/keys/{key_id}/revoke",
             auth.Require([&review, key_renderer](HttpRequest& request, const Principal& p) {
               return Reply(200, review.RevokeGatewayKey(p, request.path_params["key_id"]),
                            key_renderer);
             }));
}

}  // namespace bulwark::api
