#include "api/evaluations_routes.h"

#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string>

#include "api/route_helpers.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"
#include "base/time_format.h"

namespace bulwark::api {
namespace {

// Samples on a page when the request names no limit.
constexpr int64_t kDefaultSamplePage = 200;

using access::Principal;
using boost::json::array;
using boost::json::object;
using boost::json::value;
using evaluations::Evaluation;
using evaluations::EvaluationSample;
using evaluations::kMaxSamplePage;
using evaluations::SamplePage;

object RenderPolicy(const evaluations::RegisteredPolicy& p) {
  array suites;
  for (const std::string& hash : p.suite_hashes) suites.push_back(value(hash));
  return {{"hash", p.hash},
          {"policy_id", p.policy_id},
          {"version", p.version},
          {"description", p.description},
          {"sequential", p.sequential},
          {"suite_hashes", std::move(suites)},
          {"registered_at", FormatRfc3339(p.registered_at)},
          {"registered_by", p.registered_by}};
}

object RenderSuite(const evaluations::StoredSuite& s) {
  value report(nullptr);
  if (!s.validity_report.empty()) {
    if (StatusOr<value> parsed = ParseJson(s.validity_report); parsed.ok()) report = *parsed;
  }
  return {{"hash", s.hash},
          {"name", s.name},
          {"version", s.version},
          {"description", s.description},
          {"tasks", s.tasks},
          {"imported_at", FormatRfc3339(s.imported_at)},
          {"imported_by", s.imported_by},
          {"validity", s.validity},
          {"validity_report", report},
          {"checked_at", OptTime(s.checked_at)}};
}

object RenderEvaluation(const Evaluation& e) {
  value decision(nullptr);
  if (!e.decision.empty()) {
    if (StatusOr<value> parsed = ParseJson(e.decision); parsed.ok()) decision = *parsed;
  }
  return {{"id", e.id},
          {"version_id", e.version_id},
          {"lab_org_id", e.lab_org_id},
          {"gateway_model", e.gateway_model},
          {"window_id", e.window_id},
          {"inquiry_id", OptText(e.inquiry_id)},
          {"policy_hash", e.policy_hash},
          {"policy_id", e.policy_id},
          {"policy_version", e.policy_version},
          {"suite_hash", e.suite_hash},
          {"suite_name", e.suite_name},
          {"epochs", e.epochs},
          {"seed", std::to_string(e.seed)},
          {"state", std::string(evaluations::EvaluationStateName(e.state))},
          {"pause_reason", OptText(e.pause_reason)},
          {"samples_total", e.samples_total},
          {"samples_done", e.samples_done},
          {"samples_passed", e.samples_passed},
          {"infrastructure_errors", e.infrastructure_errors},
          {"started_by", e.started_by},
          {"started_at", FormatRfc3339(e.started_at)},
          {"updated_at", FormatRfc3339(e.updated_at)},
          {"completed_at", OptTime(e.completed_at)},
          {"outcome", OptText(e.outcome)},
          {"samples_used", e.samples_used},
          {"samples_sha256", OptText(e.samples_sha256)},
          {"decision", std::move(decision)},
          {"recommendation", OptText(e.recommendation)},
          {"rationale", OptText(e.rationale)},
          {"recommended_by", OptText(e.recommended_by)},
          {"recommended_at", OptTime(e.recommended_at)},
          {"designated_by", OptText(e.designated_by)},
          {"designated_at", OptTime(e.designated_at)},
          {"designation_note", OptText(e.designation_note)}};
}

object RenderSample(const EvaluationSample& s) {
  return {{"position", s.position},
          {"task_id", s.task_id},
          {"epoch", s.epoch},
          {"recorded", s.recorded},
          {"end", OptText(s.end)},
          {"passed", s.passed},
          {"attempts", s.attempts},
          {"messages", s.messages},
          {"input_tokens", s.input_tokens},
          {"output_tokens", s.output_tokens},
          {"milliseconds", s.milliseconds},
          {"transcript_sha256", OptText(s.transcript_sha256)},
          {"infrastructure_errors", s.infrastructure_errors},
          {"last_error", OptText(s.last_error)},
          {"recorded_at", OptTime(s.recorded_at)}};
}

// A task as people with clearance read it: its flag, checker and solution are never sent.
object RenderTask(const evals::Task& t) {
  array files;
  for (const evals::TaskFile& f : t.files) {
    files.push_back(object{{"path", f.path},
                           {"bytes", f.content.size()},
                           {"executable", f.executable},
                           {"content_base64", Base64Encode(f.content)}});
  }
  array services;
  for (const evals::TaskService& s : t.services) {
    services.push_back(object{{"name", s.name}, {"port", s.port}});
  }
  object metadata;
  for (const auto& [k, v] : t.metadata) metadata[k] = v;
  return {{"id", t.id},
          {"name", t.name},
          {"category", t.category},
          {"difficulty", t.difficulty},
          {"mode", t.mode == evals::TaskMode::kAgent ? "agent" : "single_turn"},
          {"prompt", t.prompt},
          {"files", std::move(files)},
          {"services", std::move(services)},
          {"metadata", std::move(metadata)}};
}

}  // namespace

void RegisterEvaluationsRoutes(Router& router, Authenticator& auth,
                               evaluations::EvaluationService& evaluations) {
  auto& ev = evaluations;
  // ---- policies ----
  router.Add("GET", "/api/v1/evaluations/policies",
             auth.Require([&ev](HttpRequest&, const Principal& p) {
               return Reply(200, ev.ListPolicies(p),
                            [](const std::vector<evaluations::RegisteredPolicy>& v) {
                              return RenderList(v, RenderPolicy);
                            });
             }));
  router.Add(
      "POST", "/api/v1/evaluations/policies",
      auth.Require([&ev](HttpRequest& request, const Principal& p) {
        std::string yaml;
        if (Status s = ReadBody(request, [&](JsonFields& f) { yaml = f.String("yaml", 1 << 20); });
            !s.ok()) {
          return ErrorResponse(s);
        }
        return Reply(201, ev.RegisterPolicy(p, yaml), RenderPolicy);
      }));
  // ---- suites ----
  router.Add(
      "GET", "/api/v1/evaluations/suites", auth.Require([&ev](HttpRequest&, const Principal& p) {
        return Reply(200, ev.ListSuites(p), [](const std::vector<evaluations::StoredSuite>& v) {
          return RenderList(v, RenderSuite);
        });
      }));
  router.Add("POST", "/api/v1/evaluations/suites",
             auth.Require([&ev](HttpRequest& request, const Principal& p) {
               // The body is a sealed bundle (bulwark suite seal) or a suite document.
               return Reply(201, ev.ImportSuiteDocument(p, request.body), RenderSuite);
             }));
  router.Add(
      "GET", "/api/v1/evaluations/suites/{suite_hash}/tasks/{task_id}",
      auth.Require([&ev](HttpRequest& request, const Principal& p) {
        return Reply(
            200, ev.ReadTask(p, request.path_params["suite_hash"], request.path_params["task_id"]),
            RenderTask);
      }));
  // ---- evaluations ----
  router.Add("GET", "/api/v1/evaluations", auth.Require([&ev](HttpRequest&, const Principal& p) {
    return Reply(200, ev.List(p),
                 [](const std::vector<Evaluation>& v) { return RenderList(v, RenderEvaluation); });
  }));
  router.Add(
      "POST", "/api/v1/evaluations", auth.Require([&ev](HttpRequest& request, const Principal& p) {
        evaluations::StartRequest start;
        std::optional<std::string> seed;
        if (Status s =
                ReadBody(request,
                         [&](JsonFields& f) {
                           start.version_id = f.String("version_id", 100);
                           start.policy_hash = f.String("policy_hash", 100);
                           start.suite_hash = f.OptionalString("suite_hash", 100).value_or("");
                           start.epochs = f.OptionalInt("epochs").value_or(1);
                           seed = f.OptionalString("seed", 30);
                           start.inquiry_id = f.OptionalString("inquiry_id", 100).value_or("");
                         });
            !s.ok()) {
          return ErrorResponse(s);
        }
        if (seed) {
          try {
            size_t used = 0;
            start.seed = std::stoull(*seed, &used);
            if (used != seed->size()) throw std::invalid_argument("seed");
          } catch (const std::exception&) {
            return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                        "seed is a whole number from 0 to 2^64-1, as text",
                                        {{"field", "seed"}}));
          }
        }
        return Reply(201, ev.Start(p, start), RenderEvaluation);
      }));
  router.Add("GET", "/api/v1/evaluations/{evaluation_id}",
             auth.Require([&ev](HttpRequest& request, const Principal& p) {
               return Reply(200, ev.Get(p, request.path_params["evaluation_id"]), RenderEvaluation);
             }));
  router.Add(
      "GET", "/api/v1/evaluations/{evaluation_id}/samples",
      auth.Require([&ev](HttpRequest& request, const Principal& p) {
        // ?cursor= is the position to start at (the last page's next_cursor).
        int64_t from = 0;
        int64_t limit = kDefaultSamplePage;
        for (auto [name, into] : {std::pair{"cursor", &from}, std::pair{"limit", &limit}}) {
          auto it = request.query.find(name);
          if (it == request.query.end()) continue;
          const std::string& text = it->second;
          auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *into);
          if (error != std::errc() || end != text.data() + text.size()) {
            return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                        std::string(name) + " is a whole number",
                                        {{"parameter", name}}));
          }
        }
        // Out of range either way, as the service says; clamped only to fit an int.
        limit = std::clamp<int64_t>(limit, 0, kMaxSamplePage + 1);
        return Reply(
            200, ev.Samples(p, request.path_params["evaluation_id"], from, static_cast<int>(limit)),
            [](const SamplePage& page) {
              object out = RenderList(page.items, RenderSample);
              out["next_cursor"] = page.next ? value(std::to_string(*page.next)) : value(nullptr);
              return out;
            });
      }));
  router.Add("GET", "/api/v1/evaluations/{evaluation_id}/samples/{position}/transcript",
             auth.Require([&ev](HttpRequest& request, const Principal& p) {
               int64_t position = -1;
               try {
                 position = std::stoll(request.path_params["position"]);
               } catch (const std::exception&) {
                 position = -1;
               }
               StatusOr<std::string> transcript =
                   ev.ReadTranscript(p, request.path_params["evaluation_id"], position);
               if (!transcript.ok()) return ErrorResponse(transcript.status());
               StatusOr<value> parsed = ParseJson(*transcript);
               if (!parsed.ok()) return ErrorResponse(parsed.status());
               return JsonResponse(200, object{{"position", position}, {"transcript", *parsed}});
             }));
  router.Add(
      "GET", "/api/v1/evaluations/{evaluation_id}/report",
      auth.Require([&ev](HttpRequest& request, const Principal& p) {
        const std::string format = request.query.count("format") ? request.query["format"] : "json";
        if (format != "json" && format != "markdown") {
          return ErrorResponse(Status(StatusCode::kInvalidArgument, "format is json or markdown",
                                      {{"field", "format"}}));
        }
        const std::string& id = request.path_params["evaluation_id"];
        evals::ReportOptions options;
        options.run_log = "evaluation " + id;
        options.generated_at = FormatRfc3339(ev.Now());
        StatusOr<evals::Report> report = ev.ReportOf(p, id, options);
        if (!report.ok()) return ErrorResponse(report.status());
        if (format == "markdown") {
          return TextResponse(200, "text/markdown; charset=utf-8", evals::ReportMarkdown(*report));
        }
        return TextResponse(200, "application/json", evals::ReportJson(*report));
      }));
  router.Add("GET", "/api/v1/evaluations/{evaluation_id}/run-log",
             auth.Require([&ev](HttpRequest& request, const Principal& p) {
               const std::string& id = request.path_params["evaluation_id"];
               // Written to a private folder of its own, read back whole, then removed.
               char folder[] = "/tmp/bulwark-run-log-XXXXXX";
               if (::mkdtemp(folder) == nullptr) {
                 return ErrorResponse(UnavailableError("cannot make a temporary folder"));
               }
               const std::string path = std::string(folder) + "/run.jsonl.gz";
               Status written = ev.ExportRunLog(p, id, path);
               StatusOr<std::string> bytes =
                   written.ok() ? ReadFileToString(path, size_t{4} << 30) : written;
               std::error_code ec;
               std::filesystem::remove_all(folder, ec);
               if (!bytes.ok()) return ErrorResponse(bytes.status());
               HttpResponse response = TextResponse(200, "application/gzip", std::move(*bytes));
               response.headers.push_back(
                   {"Content-Disposition", "attachment; filename=\"" + id + ".run.jsonl.gz\""});
               return response;
             }));
  router.Add("POST", "/api/v1/evaluations/{evaluation_id}/pause",
             auth.Require([&ev](HttpRequest& request, const Principal& p) {
               return Reply(200, ev.Pause(p, request.path_params["evaluation_id"]),
                            RenderEvaluation);
             }));
  router.Add("POST", "/api/v1/evaluations/{evaluation_id}/resume",
             auth.Require([&ev](HttpRequest& request, const Principal& p) {
               return Reply(200, ev.Resume(p, request.path_params["evaluation_id"]),
                            RenderEvaluation);
             }));
  router.Add("POST", "/api/v1/evaluations/{evaluation_id}/cancel",
             auth.Require([&ev](HttpRequest& request, const Principal& p) {
               return Reply(200, ev.Cancel(p, request.path_params["evaluation_id"]),
                            RenderEvaluation);
             }));
  router.Add("POST", "/api/v1/evaluations/{evaluation_id}/recommend",
             auth.Require([&ev](HttpRequest& request, const Principal& p) {
               std::string recommendation, rationale;
               if (Status s = ReadBody(request,
                                       [&](JsonFields& f) {
                                         recommendation = f.String("recommendation", 20);
                                         rationale = f.String("rationale", 20000);
                                       });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               return Reply(
                   200,
                   ev.Recommend(p, request.path_params["evaluation_id"], recommendation, rationale),
                   RenderEvaluation);
             }));
  router.Add("POST", "/api/v1/evaluations/{evaluation_id}/designate",
             auth.Require([&ev](HttpRequest& request, const Principal& p) {
               std::string note;
               if (Status s = ReadBody(
                       request,
                       [&](JsonFields& f) { note = f.OptionalString("note", 20000).value_or(""); });
                   !s.ok()) {
                 return ErrorResponse(s);
               }
               return Reply(200, ev.Designate(p, request.path_params["evaluation_id"], note),
                            RenderEvaluation);
             }));
}

}  // namespace bulwark::api
