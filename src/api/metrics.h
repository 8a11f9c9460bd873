// Metrics: a small registry of counters, gauges and histograms with labels, rendered in the
// Prometheus text exposition format 0.0.4 for a GET /metrics route.
//
// A metric family is registered once by name with its help text and label names, and lives as
// long as the registry; registering the same name again with the same kind and labels returns
// the same family, so independent components may each ask for it. Each observation names its
// label values in the order the label names were given. Keep label values bounded (a route
// pattern, not a raw path): every distinct combination is a series kept forever.
//
// Thread-safety: everything is safe from any thread; each family has its own mutex.
//
// Example:
//   Metrics metrics;
//   CounterFamily& logins = metrics.Counter("bulwark_logins_total", "Login attempts.",
//                                           {"outcome"});
//   logins.Increment({"success"});
//   std::string text = metrics.Render();
//   // # HELP bulwark_logins_total Login attempts.
//   // # TYPE bulwark_logins_total counter
//   // bulwark_logins_total{outcome="success"} 1
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace bulwark::api {

// The Content-Type of Metrics::Render() output.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

using LabelValues = std::vector<std::string>;

// Common part of the three kinds: a name, help text, label names.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual std::string_view type() const = 0;
  // Appends this family's HELP, TYPE and sample lines to `out`.
  virtual void Render(std::string* out) const = 0;

 protected:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names);
  // `{a="x",b="y"}` for the family's label names and `values` (plus `extra` pairs), or "" when
  // there are none at all.
  std::string LabelText(const LabelValues& values, std::string_view extra_name = {},
                        std::string_view extra_value = {}) const;
  // Aborts when `values` does not have one value per label name (a bug in the caller).
  void CheckArity(const LabelValues& values) const;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

// A value that only goes up (requests served, bytes sent).
class CounterFamily final : public MetricFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  // REQUIRES: by >= 0
  void Increment(const LabelValues& values, double by = 1);
  double Value(const LabelValues& values) const;
  std::string_view type() const override { return "counter"; }
  void Render(std::string* out) const override;

 private:
  mutable std::mutex mu_;
  std::map<LabelValues, double> series_;  // GUARDED_BY(mu_)
};

// A value that goes up and down (connections open).
class GaugeFamily final : public MetricFamily {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void Set(const LabelValues& values, double value);
  void Add(const LabelValues& values, double delta);
  double Value(const LabelValues& values) const;
  std::string_view type() const override { return "gauge"; }
  void Render(std::string* out) const override;

 private:
  mutable std::mutex mu_;
  std::map<LabelValues, double> series_;  // GUARDED_BY(mu_)
};

// Observations counted into cumulative buckets by upper bound (request durations).
class HistogramFamily final : public MetricFamily {
 public:
  // REQUIRES: `bounds` strictly increasing and finite; +Inf is implicit.
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  void Observe(const LabelValues& values, double value);
  uint64_t Count(const LabelValues& values) const;
  double Sum(const LabelValues& values) const;
  const std::vector<double>& bounds() const { return bounds_; }
  std::string_view type() const override { return "histogram"; }
  void Render(std::string* out) const override;

 private:
  struct Series {
    std::vector<uint64_t> buckets;  // per bound, not cumulative; the last one is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<LabelValues, Series> series_;  // GUARDED_BY(mu_)
};

// Request-latency buckets in seconds, from 5 ms to 10 s.
std::vector<double> DefaultLatencyBuckets();

class Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Returns the family called `name`, creating it on first use. The reference stays valid for the
  // registry's lifetime.
  // REQUIRES: `name` and label names are valid Prometheus names, and an existing family of that
  // name has the same kind and label names (otherwise a bug: aborts with a message).
  CounterFamily& Counter(std::string_view name, std::string_view help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& Gauge(std::string_view name, std::string_view help,
                     std::vector<std::string> label_names = {});
  HistogramFamily& Histogram(std::string_view name, std::string_view help,
                             std::vector<std::string> label_names = {},
                             std::vector<double> bounds = DefaultLatencyBuckets());

  // All families, sorted by name, in the text exposition format 0.0.4.
  std::string Render() const;

 private:
  template <typename Family, typename... Args>
  Family& GetOrCreate(std::string_view name, std::string_view help,
                      std::vector<std::string> label_names, Args&&... args);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<MetricFamily>, std::less<>> families_;  // GUARDED_BY(mu_)
};

// Prometheus sample value text: shortest round-trip decimal, "+Inf", "-Inf" or "NaN".
std::string FormatMetricValue(double value);

// A label value escaped for the exposition format (backslash, double quote, newline).
std::string EscapeLabelValue(std::string_view value);

}  // namespace bulwark::api
