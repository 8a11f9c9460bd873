// QuotaLeases: a gateway replica's leases of its keys' daily quotas, so that a call takes its
// quota reservation in memory rather than with a commit of its own.
//
// A lease is part of one key's quota for one UTC day, reserved in the database in one commit
// (ReviewService::LeaseQuota): at most 1/kLeaseShare of the day's requests and tokens, at least
// what the call at hand needs, never more than is left. The replica hands it out to its calls;
// each call settles with its ledger entry (SettleQuota of a `leased` reservation), which moves
// its request and tokens from reserved to used. Since every lease is reserved before any of it
// is handed out, the replicas together never pass a quota.
//
// A lease lasts kLeaseLife by the injected clock. What is left of one that expired, ran out or
// belongs to another day is given back in the commit that takes the key's next lease, together
// with every other expired lease of this replica; ReturnAll gives back the rest (a replica
// stopping). A replica that dies holds its leases' remainder until the day ends: the quota errs
// on the side of the lab. Near the end of a quota, another replica's lease may hold what a call
// here would need, for at most kLeaseLife.
//
// Thread-safety: safe from any thread. Taking a lease holds this replica's lease lock across its
// commit (which the database would serialize anyway); handing one out does not touch the
// database.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "review/service.h"

namespace bulwark::review {

class QuotaLeases {
 public:
  static constexpr Duration kLeaseLife = Seconds(10);

  QuotaLeases(ReviewService& review, const Clock& clock) : review_(review), clock_(clock) {}
  ~QuotaLeases();
  QuotaLeases(const QuotaLeases&) = delete;
  QuotaLeases& operator=(const QuotaLeases&) = delete;

  // One request and `tokens` of the key's quota for today: from its lease when that has them,
  // else from a new lease. ResourceExhausted (429) naming the limit when the day's quota has
  // no room for the call.
  StatusOr<QuotaReservation> Reserve(const GatewayKey& key, int64_t tokens);
  // Gives back what is left of every lease.
  Status ReturnAll();

 private:
  struct Held {
    QuotaLease lease;  // what is left of it
    Time expires_at;
  };
  ReviewService& review_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Held> held_;  // GUARDED_BY(mu_), by key
};

}  // namespace bulwark::review
