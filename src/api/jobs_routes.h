// The job queue in the API: queue depth and the oldest waiting job per kind, dead jobs, retry
// (administrators and auditors see them; administrators retry), and the job gauges and counters of
// /metrics, for `bulwark serve` and for `bulwark worker --metrics-listen`.
//
// Thread-safety: JobMetrics may be updated from any thread.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "access/directory.h"
#include "api/authenticator.h"
#include "api/metrics.h"
#include "api/router.h"
#include "jobs/queue.h"
#include "jobs/worker.h"

namespace bulwark::api {

// Sets the queue gauges (jobs per kind and state, the oldest waiting job's age) from the
// database, and the worker's counters (jobs completed, failed, dead, lease lost per kind), if
// there is a worker, to what it has done since it started.
class JobMetrics {
 public:
  JobMetrics(Metrics& metrics, const jobs::JobQueue& queue, const Clock& clock)
      : metrics_(metrics), queue_(queue), clock_(clock) {}

  void Update(const jobs::Worker* worker);

 private:
  Metrics& metrics_;
  const jobs::JobQueue& queue_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, jobs::WorkerCounts> reported_;  // GUARDED_BY(mu_)
};

// GET /api/v1/jobs/queues, GET /api/v1/jobs and POST /api/v1/jobs/{job_id}/retry.
void RegisterJobsRoutes(Router& router, Authenticator& auth, access::Directory& directory,
                        const jobs::JobQueue& queue);

// GET /metrics and GET /healthz of a worker process.
void RegisterWorkerMetricsRoutes(Router& router, Metrics& metrics, const jobs::JobQueue& queue,
                                 const jobs::Worker* worker);

}  // namespace bulwark::api
