#include "review/quota_leases.h"

#include "base/log.h"

namespace bulwark::review {

QuotaLeases::~QuotaLeases() {
  if (Status s = ReturnAll(); !s.ok()) {
    Log(LogLevel::kWarning,
        "gateway: quota leases not given back; they are held until the day ends",
        {{"error", s.ToString()}});
  }
}

StatusOr<QuotaReservation> QuotaLeases::Reserve(const GatewayKey& key, int64_t tokens) {
  tokens = std::max<int64_t>(tokens, 0);
  const Time now = clock_.Now();
  const int64_t day = ToUnixMicros(now) / (int64_t{86400} * 1000000);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = held_.find(key.id);
  if (it != held_.end() && it->second.lease.day == day && now < it->second.expires_at &&
      it->second.lease.requests >= 1 && it->second.lease.tokens >= tokens) {
    QuotaLease& lease = it->second.lease;
    lease.requests -= 1;
    lease.tokens -= tokens;
    return QuotaReservation{key.id, day, tokens};
  }
  // A new lease, given back with it: this key's old one and every expired one.
  std::vector<QuotaLease> returning;
  for (const auto& [key_id, held] : held_) {
    if (key_id == key.id || now >= held.expires_at || held.lease.day != day) {
      returning.push_back(held.lease);
    }
  }
  StatusOr<QuotaLease> leased = review_.LeaseQuota(key, tokens, returning);
  if (leased.ok() || leased.status().code() == StatusCode::kResourceExhausted) {
    // Given back either way.
    for (const QuotaLease& gone : returning) held_.erase(gone.key_id);
  }
  if (!leased.ok()) return leased.status();
  QuotaLease lease = *std::move(leased);
  lease.requests -= 1;
  lease.tokens -= tokens;
  held_[key.id] = {lease, now + kLeaseLife};
  return QuotaReservation{key.id, day, tokens};
}

Status QuotaLeases::ReturnAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<QuotaLease> returning;
  for (const auto& [key_id, held] : held_) returning.push_back(held.lease);
  BW_RETURN_IF_ERROR(review_.ReturnQuotaLeases(returning));
  held_.clear();
  return OkStatus();
}

}  // namespace bulwark::review
