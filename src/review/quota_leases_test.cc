// Quota leases: a gateway replica's calls take their quota from leases held in memory, and
// every replica together still never passes a key's quota; on both backends.
#include "review/quota_leases.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "review/review_fixture.h"

namespace bulwark::review {
namespace {

using store::Backend;

constexpr int64_t kDay0 = 20601;
const Time kStart = FromUnixMicros(kDay0 * 86400 * 1'000'000) + Hours(10);

class QuotaLeasesTest : public testing::ReviewFixture {
 protected:
  QuotaLeasesTest() : ReviewFixture(kStart) {}

  void SetUp() override {
    ReviewFixture::SetUp();
    if (IsSkipped()) return;
    OpenWindowWithHospital();
  }

  // A key of the hospital's with the given daily quota.
  GatewayKey KeyWith(int64_t requests_per_day, int64_t tokens_per_day) {
    GatewayKey key = Issue("key " + std::to_string(++keys_)).key;
    key.quota.requests_per_day = requests_per_day;
    key.quota.tokens_per_day = tokens_per_day;
    return key;
  }

  QuotaUse Use(const GatewayKey& key, Time at) { return review_->UsageOn(key.id, at).value(); }

  int keys_ = 0;
};

TEST_P(QuotaLeasesTest, ALeaseIsOneCommitForManyCallsEachCountedWhenSettled) {
  const GatewayKey key = KeyWith(1600, 1'600'000);
  QuotaLeases leases(*review_, clock_);
  std::vector<QuotaReservation> taken;
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK_AND_ASSIGN(QuotaReservation r, leases.Reserve(key, 1000));
    taken.push_back(r);
  }
  // One lease of 1/16 of the quota, held in the database as reserved.
  QuotaUse use = Use(key, clock_.Now());
  EXPECT_EQ(use.requests, 0);
  EXPECT_EQ(use.requests_reserved, 100);
  EXPECT_EQ(use.tokens_reserved, 100'000);
  // Settling moves a call from reserved to used, with what it used.
  ASSERT_OK(review_->SettleQuota(taken[0], 400));
  use = Use(key, clock_.Now());
  EXPECT_EQ(use.requests, 1);
  EXPECT_EQ(use.requests_reserved, 99);
  EXPECT_EQ(use.tokens_used, 400);
  EXPECT_EQ(use.tokens_reserved, 99'000);
  for (size_t i = 1; i < taken.size(); ++i) ASSERT_OK(review_->SettleQuota(taken[i], 400));
  // Given back, nothing stays reserved.
  ASSERT_OK(leases.ReturnAll());
  use = Use(key, clock_.Now());
  EXPECT_EQ(use.requests, 50);
  EXPECT_EQ(use.requests_reserved, 0);
  EXPECT_EQ(use.tokens_used, 50 * 400);
  EXPECT_EQ(use.tokens_reserved, 0);
  // The key was marked used.
  const std::vector<GatewayKey> listed = review_->ListGatewayKeys(nurse_).value();
  bool marked = false;
  for (const GatewayKey& k : listed) marked = marked || (k.id == key.id && k.last_used_at);
  EXPECT_TRUE(marked);
}

TEST_P(QuotaLeasesTest, TwoReplicasRacingNeverPassTheQuota) {
  for (const auto& [requests, tokens] :
       {std::pair<int64_t, int64_t>{40, 1'000'000}, std::pair<int64_t, int64_t>{1000, 2'000}}) {
    const GatewayKey key = KeyWith(requests, tokens);
    QuotaLeases a(*review_, clock_), b(*review_, clock_);
    std::atomic<int64_t> granted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          QuotaLeases& replica = (t + i) % 2 == 0 ? a : b;
          StatusOr<QuotaReservation> r = replica.Reserve(key, 100);
          if (!r.ok()) {
            EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
            continue;
          }
          ++granted;
          EXPECT_OK(review_->SettleQuota(*r, 100));  // used all it reserved
        }
      });
    }
    for (std::thread& t : threads) t.join();
    const int64_t most = std::min(requests, tokens / 100);
    EXPECT_LE(granted.load(), most);
    // Each replica may end holding at most one lease's worth the other could not use.
    EXPECT_GE(granted.load(), most - 2 * std::max<int64_t>(1, most / ReviewService::kLeaseShare));
    ASSERT_OK(a.ReturnAll());
    ASSERT_OK(b.ReturnAll());
    const QuotaUse use = Use(key, clock_.Now());
    EXPECT_EQ(use.requests, granted.load());
    EXPECT_EQ(use.tokens_used, granted.load() * 100);
    EXPECT_EQ(use.requests_reserved, 0);
    EXPECT_EQ(use.tokens_reserved, 0);
  }
}

TEST_P(QuotaLeasesTest, RefusalsNameTheLimit) {
  const GatewayKey key = KeyWith(1, 1'000'000);
  QuotaLeases leases(*review_, clock_);
  ASSERT_OK(leases.Reserve(key, 10).status());
  Status over = leases.Reserve(key, 10).status();
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(over.detail("limit").value_or(""), "requests_per_day");
  EXPECT_NE(over.message().find("quota of 1 requests a day is used"), std::string::npos)
      << over.ToString();
  const GatewayKey small = KeyWith(100, 500);
  Status too_big = leases.Reserve(small, 501).status();
  EXPECT_EQ(too_big.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(too_big.detail("limit").value_or(""), "tokens_per_day");
  EXPECT_NE(too_big.message().find("up to 501 tokens"), std::string::npos) << too_big.ToString();
  // A call that fits still gets all it asks for, even more than a share of the quota.
  ASSERT_OK_AND_ASSIGN(QuotaReservation fits, leases.Reserve(small, 500));
  EXPECT_EQ(fits.tokens, 500);
}

TEST_P(QuotaLeasesTest, ExpiredLeasesAndThoseOfAnotherDayAreGivenBack) {
  const GatewayKey first = KeyWith(1600, 1'600'000);
  const GatewayKey second = KeyWith(1600, 1'600'000);
  QuotaLeases leases(*review_, clock_);
  ASSERT_OK_AND_ASSIGN(QuotaReservation in_flight, leases.Reserve(first, 1000));
  EXPECT_EQ(Use(first, clock_.Now()).requests_reserved, 100);
  // Past its life, the first key's lease goes back with the commit of another key's lease;
  // only the call in flight stays reserved.
  clock_.Advance(QuotaLeases::kLeaseLife);
  ASSERT_OK(leases.Reserve(second, 1000).status());
  QuotaUse use = Use(first, clock_.Now());
  EXPECT_EQ(use.requests_reserved, 1);
  EXPECT_EQ(use.tokens_reserved, 1000);
  ASSERT_OK(review_->SettleQuota(in_flight, 10));
  // A new day: a new lease on the new day's row, yesterday's given back.
  const Time yesterday = clock_.Now();
  clock_.Advance(Days(1));
  ASSERT_OK(leases.Reserve(second, 1000).status());
  EXPECT_EQ(Use(second, yesterday).requests_reserved, 1);  // its call of yesterday, in flight
  EXPECT_EQ(Use(second, clock_.Now()).requests_reserved, 100);
  EXPECT_EQ(Use(first, yesterday).requests_reserved, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, QuotaLeasesTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

}  // namespace
}  // namespace bulwark::review
