#include "api/app.h"

#include "api/access_routes.h"
#include "api/clearinghouse_routes.h"
#include "api/evaluations_routes.h"
#include "api/gateway_routes.h"
#include "api/ledger_routes.h"
#include "api/review_routes.h"
#include "api/system_routes.h"

namespace bulwark::api {

App::App(access::Directory& directory, review::ReviewService& review, review::Gateway& gateway,
         evaluations::EvaluationService& evaluations,
         clearinghouse::ClearinghouseService& clearinghouse, ledger::TransparencyLog& ledger,
         store::Database& db, const Clock& clock, Metrics& metrics, AppOptions options)
    : directory_(directory),
      review_(review),
      gateway_(gateway),
      evaluations_(evaluations),
      clearinghouse_(clearinghouse),
      ledger_(ledger),
      db_(db),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      auth_(directory, clock, options),
      jobs_(db, clock),
      job_metrics_(metrics, jobs_, clock) {}

void App::Register(Router& router) {
  RegisterSystemRoutes(router, db_, metrics_, [this] { job_metrics_.Update(worker_); });
  RegisterAccessRoutes(router, auth_, directory_, clock_, options_.secure_cookies);
  RegisterLedgerRoutes(router, auth_, directory_, ledger_);
  RegisterJobsRoutes(router, auth_, directory_, jobs_);
  RegisterReviewRoutes(router, auth_, review_, clock_);
  RegisterEvaluationsRoutes(router, auth_, evaluations_);
  RegisterClearinghouseRoutes(router, auth_, clearinghouse_);
  RegisterGatewayRoutes(router, gateway_);
}

}  // namespace bulwark::api
