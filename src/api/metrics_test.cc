#include "api/metrics.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace bulwark::api {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Checks every line against the exposition format 0.0.4 grammar (as far as a regex goes) and that
// every sample belongs to a family announced by HELP and TYPE lines just before it.
void ExpectWellFormed(const std::string& text) {
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN))");
  std::string family, type;
  std::set<std::string> seen;
  for (const std::string& line : Lines(text)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      family = m[1];
      EXPECT_TRUE(seen.insert(family).second) << "family announced twice: " << line;
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_EQ(m[1], family) << line;
      type = m[2];
    } else {
      ASSERT_TRUE(std::regex_match(line, m, kSample)) << "bad line: " << line;
      std::string name = m[1];
      if (type == "histogram") {
        EXPECT_TRUE(name == family + "_bucket" || name == family + "_sum" ||
                    name == family + "_count")
            << line;
      } else {
        EXPECT_EQ(name, family) << line;
      }
    }
  }
}

TEST(Metrics, CounterRender) {
  Metrics metrics;
  CounterFamily& c = metrics.Counter("requests_total", "Requests.", {"method", "route"});
  c.Increment({"GET", "/a"});
  c.Increment({"GET", "/a"}, 2);
  c.Increment({"POST", "/b"}, 0.5);
  EXPECT_EQ(c.Value({"GET", "/a"}), 3);
  EXPECT_EQ(metrics.Render(),
            "# HELP requests_total Requests.\n"
            "# TYPE requests_total counter\n"
            "requests_total{method=\"GET\",route=\"/a\"} 3\n"
            "requests_total{method=\"POST\",route=\"/b\"} 0.5\n");
  ExpectWellFormed(metrics.Render());
}

TEST(Metrics, SameNameReturnsSameFamily) {
  Metrics metrics;
  CounterFamily& a = metrics.Counter("x_total", "X.", {"k"});
  CounterFamily& b = metrics.Counter("x_total", "X.", {"k"});
  EXPECT_EQ(&a, &b);
}

TEST(Metrics, GaugeWithoutLabels) {
  Metrics metrics;
  GaugeFamily& g = metrics.Gauge("open", "Open things.");
  g.Add({}, 3);
  g.Add({}, -1);
  EXPECT_EQ(g.Value({}), 2);
  g.Set({}, -7.25);
  EXPECT_EQ(metrics.Render(), "# HELP open Open things.\n# TYPE open gauge\nopen -7.25\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Metrics metrics;
  metrics.Counter("esc_total", "Back\\slash and\nnewline.", {"v"}).Increment({"a\"b\\c\nd"});
  std::string text = metrics.Render();
  EXPECT_NE(text.find("# HELP esc_total Back\\\\slash and\\nnewline.\n"), std::string::npos);
  EXPECT_NE(text.find("esc_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
  ExpectWellFormed(text);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics metrics;
  HistogramFamily& h = metrics.Histogram("latency_seconds", "Latency.", {"route"}, {0.1, 1});
  h.Observe({"/a"}, 0.05);
  h.Observe({"/a"}, 0.1);  // on the bound: counts in le="0.1"
  h.Observe({"/a"}, 0.5);
  h.Observe({"/a"}, 3);
  EXPECT_EQ(h.Count({"/a"}), 4u);
  EXPECT_DOUBLE_EQ(h.Sum({"/a"}), 3.65);
  std::string text = metrics.Render();
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_sum{route=\"/a\"} 3.65\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_count{route=\"/a\"} 4\n"), std::string::npos);
  ExpectWellFormed(text);
}

TEST(Metrics, FamiliesSortedAndWellFormed) {
  Metrics metrics;
  metrics.Gauge("b_gauge", "B.").Set({}, 1);
  metrics.Counter("a_total", "A.", {"x"}).Increment({"1"});
  metrics.Histogram("c_seconds", "C.").Observe({}, 0.2);
  std::string text = metrics.Render();
  EXPECT_LT(text.find("a_total"), text.find("b_gauge"));
  EXPECT_LT(text.find("b_gauge"), text.find("c_seconds"));
  ExpectWellFormed(text);
}

TEST(Metrics, FormatMetricValue) {
  EXPECT_EQ(FormatMetricValue(1), "1");
  EXPECT_EQ(FormatMetricValue(0.005), "0.005");
  EXPECT_EQ(FormatMetricValue(1e21), "1e+21");
  EXPECT_EQ(FormatMetricValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatMetricValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatMetricValue(0.0 / 0.0), "NaN");
}

TEST(Metrics, ConcurrentIncrements) {
  Metrics metrics;
  CounterFamily& c = metrics.Counter("n_total", "N.", {"t"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.Increment({"x"});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value({"x"}), 40000);
}

TEST(MetricsDeathTest, Misuse) {
  Metrics metrics;
  metrics.Counter("m_total", "M.", {"a"});
  EXPECT_DEATH(metrics.Gauge("m_total", "M."), "different kinds");
  EXPECT_DEATH(metrics.Counter("m_total", "M.", {"b"}), "different label names");
  EXPECT_DEATH(metrics.Counter("bad-name", "B."), "invalid metric name");
  EXPECT_DEATH(metrics.Counter("m_total", "M.", {"a"}).Increment({}), "wrong number");
}

}  // namespace
}  // namespace bulwark::api
