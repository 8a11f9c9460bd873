#include "api/jobs_routes.h"

#include <memory>

#include "access/policy.h"
#include "api/render.h"
#include "api/system_routes.h"
#include "base/time_format.h"

namespace bulwark::api {

void JobMetrics::Update(const jobs::Worker* worker) {
  GaugeFamily& jobs =
      metrics_.Gauge("bulwark_jobs", "Jobs in the queue per kind and state", {"kind", "state"});
  GaugeFamily& oldest = metrics_.Gauge(
      "bulwark_jobs_oldest_waiting_seconds",
      "Age of the oldest job waiting to run (queued or waiting for a retry), per kind", {"kind"});
  if (StatusOr<std::vector<jobs::QueueStats>> stats = queue_.Stats(); stats.ok()) {
    for (const jobs::QueueStats& q : *stats) {
      jobs.Set({q.kind, "queued"}, static_cast<double>(q.queued));
      jobs.Set({q.kind, "leased"}, static_cast<double>(q.leased));
      jobs.Set({q.kind, "failed"}, static_cast<double>(q.failed));
      jobs.Set({q.kind, "dead"}, static_cast<double>(q.dead));
      jobs.Set({q.kind, "done"}, static_cast<double>(q.done));
      const double age =
          q.oldest_waiting ? std::chrono::duration<double>(clock_.Now() - *q.oldest_waiting).count()
                           : 0;
      oldest.Set({q.kind}, age > 0 ? age : 0);
    }
  }
  if (worker == nullptr) return;
  CounterFamily& runs =
      metrics_.Counter("bulwark_worker_jobs_total",
                       "Jobs this process's worker ran, by kind and outcome", {"kind", "outcome"});
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [kind, counts] : worker->Counts()) {
    jobs::WorkerCounts& before = reported_[kind];
    runs.Increment({kind, "completed"}, static_cast<double>(counts.completed - before.completed));
    runs.Increment({kind, "failed"}, static_cast<double>(counts.failed - before.failed));
    runs.Increment({kind, "dead"}, static_cast<double>(counts.dead - before.dead));
    runs.Increment({kind, "lease_lost"},
                   static_cast<double>(counts.lease_lost - before.lease_lost));
    before = counts;
  }
}

void RegisterWorkerMetricsRoutes(Router& router, Metrics& metrics, const jobs::JobQueue& queue,
                                 const jobs::Worker* worker) {
  auto job_metrics = std::make_shared<JobMetrics>(metrics, queue, SystemClock::Get());
  router.Add("GET", "/metrics",
             MetricsEndpoint(metrics, [job_metrics, worker] { job_metrics->Update(worker); }));
  router.Add("GET", "/healthz", [](HttpRequest&) { return JsonResponse(200, {{"status", "ok"}}); });
}

namespace {

boost::json::object RenderJob(const jobs::Job& job) {
  boost::json::object o;
  o["id"] = job.id;
  o["kind"] = job.kind;
  o["state"] = std::string(jobs::JobStateName(job.state));
  o["priority"] = job.priority;
  o["attempts"] = job.attempts;
  o["max_attempts"] = job.max_attempts;
  o["run_at"] = FormatRfc3339(job.run_at);
  if (job.last_error.empty()) {
    o["last_error"] = nullptr;
  } else {
    o["last_error"] = job.last_error;
  }
  o["created_at"] = FormatRfc3339(job.created_at);
  o["updated_at"] = FormatRfc3339(job.updated_at);
  return o;
}

}  // namespace

void RegisterJobsRoutes(Router& router, Authenticator& auth, access::Directory& directory,
                        const jobs::JobQueue& queue) {
  auto allowed = [&directory](const access::Principal& p, std::string_view action) -> Status {
    StatusOr<access::Decision> d = directory.Check(p, action, access::kPlatform);
    if (!d.ok()) return d.status();
    if (!d->allowed) return PermissionDeniedError(d->reason);
    return OkStatus();
  };
  router.Add("GET", "/api/v1/jobs/queues",
             auth.Require([&queue, allowed](HttpRequest&, const access::Principal& p) {
               if (Status s = allowed(p, access::actions::kJobsRead); !s.ok()) {
                 return ErrorResponse(s);
               }
               StatusOr<std::vector<jobs::QueueStats>> stats = queue.Stats();
               if (!stats.ok()) return ErrorResponse(stats.status());
               boost::json::array queues;
               for (const jobs::QueueStats& q : *stats) {
                 boost::json::object o;
                 o["kind"] = q.kind;
                 o["queued"] = q.queued;
                 o["leased"] = q.leased;
                 o["failed"] = q.failed;
                 o["dead"] = q.dead;
                 o["done"] = q.done;
                 if (q.oldest_waiting) {
                   o["oldest_queued_at"] = FormatRfc3339(*q.oldest_waiting);
                 } else {
                   o["oldest_queued_at"] = nullptr;
                 }
                 queues.push_back(std::move(o));
               }
               return JsonResponse(200, {{"queues", std::move(queues)}});
             }));
  router.Add("GET", "/api/v1/jobs",
             auth.Require([&queue, allowed](HttpRequest& request, const access::Principal& p) {
               if (Status s = allowed(p, access::actions::kJobsRead); !s.ok()) {
                 return ErrorResponse(s);
               }
               std::optional<jobs::JobState> state;
               if (auto it = request.query.find("state"); it != request.query.end()) {
                 state = jobs::ParseJobState(it->second);
                 if (!state) {
                   return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                               "state must be queued, leased, done, failed or dead",
                                               {{"parameter", "state"}}));
                 }
               }
               std::string kind, cursor;
               if (auto it = request.query.find("kind"); it != request.query.end())
                 kind = it->second;
               if (auto it = request.query.find("cursor"); it != request.query.end()) {
                 cursor = it->second;
               }
               int limit = 50;
               if (auto it = request.query.find("limit"); it != request.query.end()) {
                 try {
                   limit = std::stoi(it->second);
                 } catch (...) {
                   limit = 0;
                 }
                 if (limit < 1 || limit > 200) {
                   return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                               "limit must be an integer from 1 to 200",
                                               {{"parameter", "limit"}}));
                 }
               }
               StatusOr<jobs::JobPage> page = queue.List(state, kind, limit, cursor);
               if (!page.ok()) return ErrorResponse(page.status());
               boost::json::array items;
               for (const jobs::Job& job : page->items) items.push_back(RenderJob(job));
               boost::json::object body{{"items", std::move(items)}};
               if (page->next_cursor.empty()) {
                 body["next_cursor"] = nullptr;
               } else {
                 body["next_cursor"] = page->next_cursor;
               }
               return JsonResponse(200, std::move(body));
             }));
  router.Add("POST", "/api/v1/jobs/{job_id}/retry",
             auth.Require([&queue, allowed](HttpRequest& request, const access::Principal& p) {
               if (Status s = allowed(p, access::actions::kJobsRetry); !s.ok()) {
                 return ErrorResponse(s);
               }
               StatusOr<jobs::Job> job = queue.Retry(request.path_params.at("job_id"));
               if (!job.ok()) return ErrorResponse(job.status());
               return JsonResponse(200, RenderJob(*job));
             }));
}

}  // namespace bulwark::api
