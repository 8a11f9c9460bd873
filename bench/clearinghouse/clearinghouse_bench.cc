// bench/clearinghouse: the clearinghouse at the scale of a national program, on PostgreSQL, each
// figure with a baseline measured in the same run.
//
//   build/bench/clearinghouse_bench [--operators 10000] [--components 1000] [--big 300000]
//                                   [--findings 10000000] [--fanouts 5] [--sqlite]
//
//   1. Enrolment: --operators operators, each with one asset whose inventory of --components
//      packages is uploaded through the service (parsed, matched, stored). Every inventory runs
//      left-pad 1.3.0, and 999 other packages from a pool of 20,000.
//   2. Fan-out: one new advisory (left-pad before 1.3.1) is matched by the monitor: a finding per
//      operator and a signed, ledgered notice per operator, committed. Target: under 1 s. Run
//      --fanouts times, a new advisory each, and the median reported with the range.
//      Baseline: the way scanners do it, each inventory read back and matched again.
//   3. A --big-component SBOM uploaded and matched in a child process: its time (target under
//      10 s) and the process's peak memory (target under 1 GB); then the same SBOM again (zero
//      changes). Baseline: parsing the document alone.
//   4. The first page of --findings findings by priority (the clearinghouse's portfolio and one
//      operator's). Target: under 1 s. Baseline: the same query without the priority index.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "access/directory.h"
#include "api/ledger_audit.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/random.h"
#include "clearinghouse/service.h"
#include "ledger/note.h"
#include "ledger/transparency_log.h"
#include "store/database.h"
#include "store/migrations.h"
#include "testing/postgres_cluster.h"
#include "testing/temp_dir.h"
#include "vuln/advisory_index.h"
#include "vuln/advisory_store.h"
#include "vuln/sbom.h"
#include "vuln/scan.h"

namespace bulwark::clearinghouse {
namespace {

using Steady = std::chrono::steady_clock;

double Since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "clearinghouse_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Check(StatusOr<T> value, const std::string& what) {
  if (!value.ok()) Die(what + ": " + value.status().ToString());
  return std::move(*value);
}

void Check(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.ToString());
}

struct Options {
  int operators = 10000;
  int components = 1000;
  int big = 300000;
  int64_t findings = 10000000;
  int fanouts = 5;
  bool sqlite = false;
};

constexpr int kPool = 20000;

std::string Component(std::string_view name, std::string_view version) {
  return std::string(R"({"type":"library","name":")") + std::string(name) + R"(","version":")" +
         std::string(version) + R"(","purl":"pkg:npm/)" + std::string(name) + "@" +
         std::string(version) + R"("})";
}

// An operator's inventory: left-pad 1.3.0 and `n - 1` packages of the pool, at one of three
// versions.
std::string InventoryDocument(int n, uint64_t seed) {
  DeterministicRandom random(seed);
  std::string out = R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":[)";
  out += Component("left-pad", "1.3.0");
  std::vector<bool> taken(kPool, false);
  for (int i = 1; i < n; ++i) {
    int k = static_cast<int>(random.Uint64() % kPool);
    while (taken[k]) k = (k + 1) % kPool;
    taken[k] = true;
    out += ",";
    out += Component("bench-lib-" + std::to_string(k),
                     "1." + std::to_string(random.Uint64() % 3) + ".0");
  }
  return out + "]}";
}

// A document of `n` distinct packages.
std::string BigSbom(int n) {
  std::string out = R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":[)";
  out.reserve(static_cast<size_t>(n) * 110);
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ",";
    out += Component("big-lib-" + std::to_string(i), i % 7 == 0 ? "0.9.1" : "2.4.0");
  }
  return out + "]}";
}

// The n-th advisory against left-pad before 1.3.1: each is new to the monitor, and each opens a
// finding on every inventory.
std::string LeftPadAdvisory(int n) {
  const std::string serial = std::to_string(1000 + n);
  return R"({"id": "BENCH-2026-)" + serial + R"(", "modified": "2026-12-01T00:00:00Z",
  "aliases": ["CVE-2026-9)" +
         serial + R"("], "summary": "left-pad pads the wrong side",
  "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.1"}]}]}]})";
}

int64_t PeakRssKiB() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

struct Fixture {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<ledger::TransparencyLog> log;
  std::unique_ptr<api::LedgerAuditTrail> audit;
  std::unique_ptr<ClearinghouseService> service;
};

Fixture Open(const std::string& url) {
  Fixture f;
  f.db = Check(store::OpenDatabase(url, 8), "open " + url);
  Check(store::ApplyMigrations(*f.db).status(), "migrate");
  ledger::GeneratedKey key = Check(ledger::GenerateEd25519Key("bench.example/ledger"), "key");
  f.log = std::make_unique<ledger::TransparencyLog>(
      *f.db, "bench.example/ledger", Check(ledger::NewEd25519Signer(key.private_key), "signer"),
      key.verifier_key, SystemClock::Get());
  f.audit = std::make_unique<api::LedgerAuditTrail>(*f.log, SystemClock::Get());
  f.service = std::make_unique<ClearinghouseService>(*f.db, SystemClock::Get(), f.audit.get(),
                                                     &f.log->signer());
  return f;
}

void Run(const Options& options, const std::string& url, const std::string& scratch) {
  Fixture f = Open(url);
  ClearinghouseService& service = *f.service;
  const access::Principal system = access::SystemPrincipal();

  // ---- 1. Enrolment ----
  std::printf("1. %d operators, %d packages each, uploaded through the service\n",
              options.operators, options.components);
  std::vector<std::string> orgs, assets;
  {
    const int64_t now = ToUnixMicros(SystemClock::Get().Now());
    Check(f.db->Transact(store::TxMode::kReadWrite,
                         [&](store::Transaction& tx) -> Status {
                           for (int i = 0; i < options.operators; ++i) {
                             const std::string id = NewId("org");
                             BW_RETURN_IF_ERROR(
                                 tx.Execute("INSERT INTO organizations (id, name, kind, "
                                            "created_at) VALUES (?, ?, 'operator', ?)",
                                            {id, "Operator " + std::to_string(i), now})
                                     .status());
                             orgs.push_back(id);
                           }
                           return OkStatus();
                         }),
          "organizations");
  }
  const Steady::time_point enrol = Steady::now();
  int64_t stored = 0;
  for (int i = 0; i < options.operators; ++i) {
    const Asset asset =
        Check(service.CreateAsset(system, orgs[i], {"Main system", "production", i % 3 == 0, {}}),
              "asset");
    assets.push_back(asset.id);
    const clearinghouse::Inventory inventory = Check(
        service.UploadInventory(system, asset.id, InventoryDocument(options.components, 1000 + i)),
        "upload");
    stored += inventory.matchable;
    if ((i + 1) % 1000 == 0 || i + 1 == options.operators) {
      std::printf("   %6d inventories, %9lld packages stored, %.1f s\n", i + 1,
                  static_cast<long long>(stored), Since(enrol));
      std::fflush(stdout);
    }
  }
  const double enrol_s = Since(enrol);
  std::printf("   %.1f inventories/s (%.0f packages/s)\n", options.operators / enrol_s,
              stored / enrol_s);

  // ---- 2. Fan-out ----
  std::printf("2. one new advisory against every stored inventory\n");
  {
    vuln::AdvisoryStore store(*f.db, SystemClock::Get());
    const std::string first = LeftPadAdvisory(0);
    vuln::Advisory advisory = Check(vuln::ParseOsvAdvisory(first), "advisory");
    // Baseline: every inventory read back and matched again (a full re-scan).
    vuln::AdvisoryIndexBuilder builder;
    Check(builder.Add(advisory), "index");
    const vuln::AdvisoryIndex one = std::move(builder).Finish();
    const Steady::time_point base = Steady::now();
    int64_t base_findings = 0;
    for (const std::string& asset : assets) {
      Check(f.db->Transact(store::TxMode::kReadOnly,
                           [&](store::Transaction& tx) -> Status {
                             BW_ASSIGN_OR_RETURN(
                                 store::ResultSet rows,
                                 tx.Query("SELECT ecosystem, name, version FROM asset_components "
                                          "WHERE asset_id = ?",
                                          {asset}));
                             std::vector<vuln::PurlPackage> packages;
                             packages.reserve(rows.size());
                             for (const store::Row& r : rows)
                               packages.push_back({{r.Text(0), r.Text(1)}, r.Text(2)});
                             base_findings += static_cast<int64_t>(one.Match(packages).size());
                             return OkStatus();
                           }),
            "re-scan");
    }
    const double base_s = Since(base);
    // Each advisory is stored, then matched alone: the time from the monitor's start to its
    // commit.
    std::vector<double> runs;
    int64_t matched = 0;
    for (int i = 0; i < options.fanouts; ++i) {
      const std::string text = LeftPadAdvisory(i);
      Check(store.Upsert(Check(vuln::ParseOsvAdvisory(text), "advisory"), text).status(),
            "store the advisory");
      const Steady::time_point start = Steady::now();
      matched += Check(service.MonitorAdvisories(), "monitor");
      runs.push_back(Since(start));
      std::printf("   advisory %d of %d: %.3f s\n", i + 1, options.fanouts, runs.back());
      std::fflush(stdout);
    }
    std::vector<double> sorted = runs;
    std::sort(sorted.begin(), sorted.end());
    const double fan_s = sorted[sorted.size() / 2];
    int64_t notices = 0, findings = 0;
    Check(f.db->Transact(
              store::TxMode::kReadOnly,
              [&](store::Transaction& tx) -> Status {
                BW_ASSIGN_OR_RETURN(store::ResultSet n, tx.Query("SELECT COUNT(*) FROM notices"));
                BW_ASSIGN_OR_RETURN(store::ResultSet g, tx.Query("SELECT COUNT(*) FROM findings"));
                notices = n[0].Int(0);
                findings = g[0].Int(0);
                return OkStatus();
              }),
          "count");
    std::printf(
        "   monitor: %lld advisories, %lld findings and %lld signed notices committed; one "
        "advisory's fan-out in %.3f s, the median (%.3f to %.3f s; target < 1 s)\n",
        static_cast<long long>(matched), static_cast<long long>(findings),
        static_cast<long long>(notices), fan_s, sorted.front(), sorted.back());
    std::printf(
        "   baseline, re-scanning every inventory (reads and matching only, no writes; %lld "
        "findings): %.3f s; "
        "ratio %.1fx\n",
        static_cast<long long>(base_findings), base_s, base_s / fan_s);
  }

  // ---- 3. A large SBOM ----
  std::printf("3. an SBOM of %d packages\n", options.big);
  {
    const std::string document = BigSbom(options.big);
    const Steady::time_point parse = Steady::now();
    const size_t parsed = Check(vuln::ParseSbom(document), "parse").components.size();
    const double parse_s = Since(parse);
    std::printf("   %.1f MB; baseline, parsing it alone: %zu packages in %.2f s\n",
                document.size() / 1e6, parsed, parse_s);
    std::fflush(stdout);
    // In a child, so that its peak memory is the upload's alone.
    const pid_t child = fork();
    if (child == 0) {
      Fixture g = Open(url);
      const int64_t before = PeakRssKiB();
      const Asset big =
          Check(g.service->CreateAsset(system, orgs[0], {"Data lake", "", false, {}}), "big asset");
      const std::string again = BigSbom(options.big);
      const Steady::time_point up = Steady::now();
      const clearinghouse::Inventory first =
          Check(g.service->UploadInventory(system, big.id, again), "upload");
      const double up_s = Since(up);
      const Steady::time_point re = Steady::now();
      const clearinghouse::Inventory second =
          Check(g.service->UploadInventory(system, big.id, again), "again");
      const double re_s = Since(re);
      std::printf(
          "   uploaded and matched: %lld packages stored in %.2f s (target < 10 s; %.1fx "
          "the parse alone)\n",
          static_cast<long long>(first.matchable), up_s, up_s / parse_s);
      std::printf(
          "   peak memory of the process: %.0f MB (%.0f MB before the upload; target < "
          "1 GB)\n",
          PeakRssKiB() / 1024.0, before / 1024.0);
      std::printf("   the same SBOM again: %s in %.2f s\n",
                  second.unchanged ? "unchanged, nothing written" : "CHANGED", re_s);
      std::fflush(stdout);
      std::_Exit(second.unchanged ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Die("the large upload failed");
  }

  // ---- 4. The first page of many findings ----
  std::printf("4. the first page of %lld findings by priority\n",
              static_cast<long long>(options.findings));
  {
    const Steady::time_point fill = Steady::now();
    const int64_t batch = 100000;
    for (int64_t start = 0; start < options.findings; start += batch) {
      const int64_t end = std::min(options.findings, start + batch);
      Check(
          f.db->Transact(
              store::TxMode::kReadWrite,
              [&](store::Transaction& tx) -> Status {
                // Spread over every operator's asset; ranks from the timelines' range.
                constexpr std::string_view kInsert =
                    "INSERT INTO findings (id, org_id, asset_id, advisory_id, ecosystem, package, "
                    "version, purl, cve, cves, summary, severity, cvss, upgrade_to, state, active, "
                    "justification, note, known_at, updated_at, updated_by, timeline, cisa_level, "
                    "priority_rank) VALUES ";
                DeterministicRandom random(static_cast<uint64_t>(start) + 7);
                for (int64_t chunk = start; chunk < end; chunk += 2000) {
                  const int64_t stop = std::min(end, chunk + 2000);
                  std::string sql(kInsert);
                  std::vector<store::Value> params;
                  for (int64_t i = chunk; i < stop; ++i) {
                    const size_t k = static_cast<size_t>(i % static_cast<int64_t>(assets.size()));
                    sql += i == chunk ? "" : ", ";
                    sql +=
                        "(?, ?, ?, ?, 'npm', 'bench-lib', '1.0.0', '', '', '', '', 'high', '', "
                        "'', 'open', 1, '', '', 0, 0, 'bench', '60 days', 'track', ?)";
                    char id[40];
                    std::snprintf(id, sizeof(id), "fnd_bench%016lld", static_cast<long long>(i));
                    params.insert(
                        params.end(),
                        {std::string(id), orgs[k], assets[k], "BENCH-" + std::to_string(i),
                         static_cast<int64_t>(random.Uint64() % 100000000)});
                  }
                  BW_RETURN_IF_ERROR(tx.Execute(sql, params).status());
                }
                return OkStatus();
              }),
          "fill");
      if ((end / batch) % 10 == 0 || end == options.findings) {
        std::printf("   %lld findings stored, %.0f s\n", static_cast<long long>(end), Since(fill));
        std::fflush(stdout);
      }
    }
    if (!options.sqlite) {
      Check(f.db->Transact(
                store::TxMode::kReadWrite,
                [](store::Transaction& tx) { return tx.Execute("ANALYZE findings").status(); }),
            "analyze");
    }
    auto time_query = [&](const std::string& sql, const std::vector<store::Value>& params) {
      double best = 1e9;
      for (int run = 0; run < 3; ++run) {
        const Steady::time_point t = Steady::now();
        Check(
            f.db->Transact(store::TxMode::kReadOnly,
                           [&](store::Transaction& tx) { return tx.Query(sql, params).status(); }),
            "query");
        best = std::min(best, Since(t));
      }
      return best;
    };
    ClearinghouseService& ch = service;
    const access::Principal system_principal = access::SystemPrincipal();
    double page_all = 1e9, page_one = 1e9;
    for (int run = 0; run < 3; ++run) {
      Steady::time_point t = Steady::now();
      const FindingPage all = Check(ch.ListFindings(system_principal, {.limit = 50}), "page");
      page_all = std::min(page_all, Since(t));
      t = Steady::now();
      const FindingPage one =
          Check(ch.ListFindings(system_principal, {.org_id = orgs[1], .limit = 50}), "page");
      page_one = std::min(page_one, Since(t));
      if (all.items.size() != 50 || all.next_cursor.empty()) Die("the first page is not full");
    }
    const double baseline = time_query(
        "SELECT id FROM findings WHERE active = 1 ORDER BY priority_rank + 0, id || '' "
        "LIMIT 51",
        {});
    std::printf("   every operator's first page: %.4f s; one operator's: %.4f s (target < 1 s)\n",
                page_all, page_one);
    std::printf(
        "   baseline, the same order without the index (a sort of every row): %.2f s; "
        "ratio %.0fx\n",
        baseline, baseline / page_all);
  }
}

}  // namespace
}  // namespace bulwark::clearinghouse

int main(int argc, char** argv) {
  using namespace bulwark;
  clearinghouse::Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) clearinghouse::Die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--operators") {
      options.operators = std::stoi(next());
    } else if (arg == "--components") {
      options.components = std::stoi(next());
    } else if (arg == "--big") {
      options.big = std::stoi(next());
    } else if (arg == "--findings") {
      options.findings = std::stoll(next());
    } else if (arg == "--fanouts") {
      options.fanouts = std::max(1, std::stoi(next()));
    } else if (arg == "--sqlite") {
      options.sqlite = true;
    } else {
      clearinghouse::Die("unknown option " + arg);
    }
  }
  testing::TempDir scratch;
  std::string url;
  if (options.sqlite) {
    url = "sqlite:" + scratch.path() + "/bench.db";
  } else {
    StatusOr<testing::PostgresCluster*> cluster = testing::PostgresCluster::Shared();
    if (!cluster.ok()) clearinghouse::Die(cluster.status().ToString());
    url = clearinghouse::Check((*cluster)->CreateDatabase("clearinghouse_bench"), "database");
  }
  std::printf("clearinghouse_bench on %s\n", options.sqlite ? "SQLite" : "PostgreSQL");
  clearinghouse::Run(options, url, scratch.path());
  return 0;
}
