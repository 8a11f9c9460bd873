// The advisory store on both backends: SQLite in a temporary folder and PostgreSQL in a fresh
// database of the test binary's throwaway cluster.
#include "vuln/advisory_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "base/time_format.h"
#include "testing/postgres_cluster.h"
#include "testing/temp_dir.h"
#include "testing/test_database.h"

namespace bulwark::vuln {
namespace {

namespace fs = std::filesystem;

const std::string kGoCorpus = std::string(BULWARK_SOURCE_DIR) + "/../shared/corpora/osv/go";

std::string RecordJson(std::string_view id, std::string_view modified,
                       std::string_view package = "left-pad") {
  return R"({"id": ")" + std::string(id) + R"(", "modified": ")" + std::string(modified) +
         R"(", "affected": [{"package": {"ecosystem": "npm", "name": ")" + std::string(package) +
         R"("}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]},
         {"package": {"ecosystem": "npm", "name": ")" +
         std::string(package) + R"("}, "versions": ["1.0.0"]}]})";
}

AdvisoryRecord Parsed(std::string json) {
  StatusOr<Advisory> advisory = ParseOsvAdvisory(json);
  EXPECT_TRUE(advisory.ok()) << advisory.status().ToString();
  return AdvisoryRecord{advisory.ok() ? *advisory : Advisory{}, std::move(json)};
}

class AdvisoryStoreTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == store::Backend::kPostgres && !bulwark::testing::PostgresAvailable()) {
      GTEST_SKIP() << bulwark::testing::PostgresUnavailableReason();
    }
    StatusOr<std::unique_ptr<store::Database>> db =
        bulwark::testing::OpenTestDatabase(GetParam(), dir_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<AdvisoryStore>(*db_, clock_);
  }

  UpsertOutcome Upsert(const std::string& json) {
    AdvisoryRecord record = Parsed(json);
    StatusOr<UpsertOutcome> outcome = store_->Upsert(record.advisory, record.json);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? *outcome : UpsertOutcome::kUnchanged;
  }

  std::optional<std::string> Find(std::string_view id) {
    StatusOr<std::optional<std::string>> json = store_->FindJson(id);
    EXPECT_TRUE(json.ok()) << json.status().ToString();
    return json.ok() ? *json : std::nullopt;
  }

  int64_t Count() {
    StatusOr<int64_t> n = store_->Count();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }

  // "advisory_id ecosystem name" for every row of advisory_packages, in order.
  std::vector<std::string> PackageRows() {
    std::vector<std::string> out;
    Status s = db_->Transact(store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                          tx.Query("SELECT advisory_id, ecosystem, name FROM advisory_packages "
                                   "ORDER BY advisory_id, ecosystem, name"));
      out.clear();
      for (const store::Row& row : rows) {
        out.push_back(row.Text(0) + " " + row.Text(1) + " " + row.Text(2));
      }
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  bulwark::testing::TempDir dir_;
  FakeClock clock_{ParseRfc3339("2026-01-01T00:00:00Z").value()};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<AdvisoryStore> store_;
};

TEST_P(AdvisoryStoreTest, InsertsAndFindsTheJsonAsReceived) {
  std::string json = RecordJson("GHSA-1111", "2024-01-01T00:00:00Z");
  EXPECT_EQ(Upsert(json), UpsertOutcome::kInserted);
  EXPECT_EQ(Find("GHSA-1111"), json);
  EXPECT_EQ(Find("GHSA-9999"), std::nullopt);
  EXPECT_EQ(Count(), 1);
  // One row per distinct package, however many entries name it.
  EXPECT_EQ(PackageRows(), std::vector<std::string>{"GHSA-1111 npm left-pad"});
}

TEST_P(AdvisoryStoreTest, OnlyAStrictlyNewerModifiedReplaces) {
  std::string original = RecordJson("GHSA-1111", "2024-01-01T00:00:00Z", "left-pad");
  std::string newer = RecordJson("GHSA-1111", "2024-01-01T00:00:00.000001Z", "right-pad");
  std::string older = RecordJson("GHSA-1111", "2023-12-31T23:59:59Z", "up-pad");
  std::string same_time = RecordJson("GHSA-1111", "2024-01-01T00:00:00.000001Z", "down-pad");
  EXPECT_EQ(Upsert(original), UpsertOutcome::kInserted);
  EXPECT_EQ(Upsert(newer), UpsertOutcome::kUpdated);
  EXPECT_EQ(Find("GHSA-1111"), newer);
  EXPECT_EQ(PackageRows(), std::vector<std::string>{"GHSA-1111 npm right-pad"});
  EXPECT_EQ(Upsert(older), UpsertOutcome::kUnchanged);
  EXPECT_EQ(Upsert(same_time), UpsertOutcome::kUnchanged);
  EXPECT_EQ(Find("GHSA-1111"), newer);
  EXPECT_EQ(PackageRows(), std::vector<std::string>{"GHSA-1111 npm right-pad"});
  EXPECT_EQ(Count(), 1);
}

TEST_P(AdvisoryStoreTest, BatchesCompareLaterRecordsWithEarlierOnes) {
  std::vector<AdvisoryRecord> batch = {
      Parsed(RecordJson("GHSA-2222", "2024-01-01T00:00:00Z")),
      Parsed(RecordJson("GHSA-1111", "2024-01-01T00:00:00Z")),
      Parsed(RecordJson("GHSA-2222", "2024-02-01T00:00:00Z", "right-pad")),
      Parsed(RecordJson("GHSA-2222", "2023-02-01T00:00:00Z", "up-pad")),
  };
  StatusOr<std::vector<UpsertOutcome>> outcomes = store_->UpsertBatch(batch);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status().ToString();
  EXPECT_EQ(*outcomes,
            (std::vector<UpsertOutcome>{UpsertOutcome::kInserted, UpsertOutcome::kInserted,
                                        UpsertOutcome::kUpdated, UpsertOutcome::kUnchanged}));
  EXPECT_EQ(Find("GHSA-2222"), batch[2].json);
  EXPECT_EQ(PackageRows(),
            (std::vector<std::string>{"GHSA-1111 npm left-pad", "GHSA-2222 npm right-pad"}));
}

TEST_P(AdvisoryStoreTest, ForEachStreamsEveryAdvisoryInIdOrderAcrossPages) {
  // More than one page of 256.
  std::vector<AdvisoryRecord> batch;
  for (int i = 600; i > 0; --i) {
    batch.push_back(Parsed(RecordJson("GHSA-" + std::to_string(1000 + i), "2024-01-01T00:00:00Z")));
  }
  ASSERT_TRUE(store_->UpsertBatch(batch).ok());
  std::vector<std::string> ids;
  Status s = store_->ForEach([&](Advisory&& advisory) {
    ids.push_back(advisory.id);
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(ids.size(), 600u);
  EXPECT_EQ(ids.front(), "GHSA-1001");
  EXPECT_EQ(ids.back(), "GHSA-1600");
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));

  int calls = 0;
  s = store_->ForEach([&](Advisory&&) {
    ++calls;
    return Status(StatusCode::kCancelled, "enough");
  });
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_P(AdvisoryStoreTest, ImportsTheGoCorpusOnceAndAgainChangesNothing) {
  if (!fs::exists(kGoCorpus)) {
    GTEST_SKIP() << "../shared/corpora/osv/go is absent; skipping the corpus import";
  }
  auto start = std::chrono::steady_clock::now();
  StatusOr<ImportReport> first = ImportAdvisories({kGoCorpus}, *store_, nullptr);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::cout << "imported " << first->read << " records in " << seconds << " s ("
            << static_cast<int>(first->read / seconds) << " records/s)\n";
  EXPECT_EQ(first->read, 4291);
  EXPECT_EQ(first->inserted, 4291);
  EXPECT_EQ(first->updated, 0);
  EXPECT_TRUE(first->problems.empty());
  EXPECT_EQ(Count(), 4291);

  StatusOr<ImportReport> second = ImportAdvisories({kGoCorpus}, *store_, nullptr);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->read, 4291);
  EXPECT_EQ(second->inserted, 0);
  EXPECT_EQ(second->updated, 0);
  EXPECT_EQ(second->unchanged, 4291);

  std::ifstream in(kGoCorpus + "/GO-2022-0617.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(Find("GO-2022-0617"), text);
  int withdrawn = 0;
  ASSERT_TRUE(store_
                  ->ForEach([&](Advisory&& advisory) {
                    withdrawn += advisory.withdrawn.has_value();
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(withdrawn, 17);
}

TEST_P(AdvisoryStoreTest, ABadImportKeepsWhatWasStored) {
  std::string stored = RecordJson("GHSA-1111", "2024-06-01T00:00:00Z");
  ASSERT_EQ(Upsert(stored), UpsertOutcome::kInserted);
  std::string feed = dir_.path() + "/feed";
  fs::create_directories(feed);
  std::ofstream(feed + "/GHSA-1111.json") << RecordJson("GHSA-1111", "2024-01-01T00:00:00Z", "x");
  std::ofstream(feed + "/GHSA-2222.json") << R"({"id": "GHSA-2222", "modified": "never"})";
  std::ofstream(feed + "/GHSA-3333.json") << RecordJson("GHSA-3333", "2024-01-01T00:00:00Z");

  // A missing path is found before anything is written.
  StatusOr<ImportReport> report =
      ImportAdvisories({feed, dir_.path() + "/missing.zip"}, *store_, nullptr);
  EXPECT_EQ(report.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Count(), 1);

  report = ImportAdvisories({feed}, *store_, nullptr);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->read, 3);
  EXPECT_EQ(report->inserted, 1);
  EXPECT_EQ(report->unchanged, 1);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].file, feed + "/GHSA-2222.json");
  EXPECT_EQ(Find("GHSA-1111"), stored);
  EXPECT_EQ(Count(), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, AdvisoryStoreTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const ::testing::TestParamInfo<store::Backend>& info) {
                           return bulwark::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace bulwark::vuln
