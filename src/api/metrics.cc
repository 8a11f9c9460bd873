#include "api/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace bulwark::api {
namespace {

[[noreturn]] void DieMetric(std::string_view name, std::string_view why) {
  std::fprintf(stderr, "metric %.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(why.size()), why.data());
  std::abort();
}

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void RenderHeader(const MetricFamily& family, std::string* out) {
  *out += "# HELP " + family.name() + " " + EscapeHelp(family.help()) + "\n";
  *out += "# TYPE " + family.name() + " " + std::string(family.type()) + "\n";
}

}  // namespace

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

MetricFamily::MetricFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

std::string MetricFamily::LabelText(const LabelValues& values, std::string_view extra_name,
                                    std::string_view extra_value) const {
  if (label_names_.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < label_names_.size(); ++i) {
    if (i > 0) out += ",";
    out += label_names_[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!label_names_.empty()) out += ",";
    out += std::string(extra_name) + "=\"" + EscapeLabelValue(extra_value) + "\"";
  }
  out += "}";
  return out;
}

void MetricFamily::CheckArity(const LabelValues& values) const {
  if (values.size() != label_names_.size()) DieMetric(name_, "wrong number of label values");
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)) {}

void CounterFamily::Increment(const LabelValues& values, double by) {
  CheckArity(values);
  if (!(by >= 0)) DieMetric(name(), "counter decremented");
  std::lock_guard<std::mutex> lock(mu_);
  series_[values] += by;
}

double CounterFamily::Value(const LabelValues& values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(values);
  return it == series_.end() ? 0 : it->second;
}

void CounterFamily::Render(std::string* out) const {
  RenderHeader(*this, out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, value] : series_) {
    *out += name() + LabelText(values) + " " + FormatMetricValue(value) + "\n";
  }
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)) {}

void GaugeFamily::Set(const LabelValues& values, double value) {
  CheckArity(values);
  std::lock_guard<std::mutex> lock(mu_);
  series_[values] = value;
}

void GaugeFamily::Add(const LabelValues& values, double delta) {
  CheckArity(values);
  std::lock_guard<std::mutex> lock(mu_);
  series_[values] += delta;
}

double GaugeFamily::Value(const LabelValues& values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(values);
  return it == series_.end() ? 0 : it->second;
}

void GaugeFamily::Render(std::string* out) const {
  RenderHeader(*this, out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, value] : series_) {
    *out += name() + LabelText(values) + " " + FormatMetricValue(value) + "\n";
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i] > bounds_[i - 1]))) {
      DieMetric(this->name(), "histogram bounds must be finite and strictly increasing");
    }
  }
  for (const std::string& label : this->label_names()) {
    if (label == "le") DieMetric(this->name(), "histogram label named \"le\"");
  }
}

void HistogramFamily::Observe(const LabelValues& values, double value) {
  CheckArity(values);
  size_t bucket = 0;
  while (bucket < bounds_.size() && !(value <= bounds_[bucket])) ++bucket;
  std::lock_guard<std::mutex> lock(mu_);
  Series& series = series_[values];
  if (series.buckets.empty()) series.buckets.assign(bounds_.size() + 1, 0);
  ++series.buckets[bucket];
  series.sum += value;
  ++series.count;
}

uint64_t HistogramFamily::Count(const LabelValues& values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(values);
  return it == series_.end() ? 0 : it->second.count;
}

double HistogramFamily::Sum(const LabelValues& values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(values);
  return it == series_.end() ? 0 : it->second.sum;
}

void HistogramFamily::Render(std::string* out) const {
  RenderHeader(*this, out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, series] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += series.buckets[i];
      std::string le = i < bounds_.size() ? FormatMetricValue(bounds_[i]) : "+Inf";
      *out += name() + "_bucket" + LabelText(values, "le", le) + " " + std::to_string(cumulative) +
              "\n";
    }
    *out += name() + "_sum" + LabelText(values) + " " + FormatMetricValue(series.sum) + "\n";
    *out += name() + "_count" + LabelText(values) + " " + std::to_string(series.count) + "\n";
  }
}

template <typename Family, typename... Args>
Family& Metrics::GetOrCreate(std::string_view name, std::string_view help,
                             std::vector<std::string> label_names, Args&&... args) {
  if (!IsValidName(name, /*allow_colon=*/true)) DieMetric(name, "invalid metric name");
  for (const std::string& label : label_names) {
    if (!IsValidName(label, /*allow_colon=*/false) || label.starts_with("__")) {
      DieMetric(name, "invalid label name");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto* family = dynamic_cast<Family*>(it->second.get());
    if (family == nullptr) DieMetric(name, "registered twice with different kinds");
    if (family->label_names() != label_names) {
      DieMetric(name, "registered twice with different label names");
    }
    return *family;
  }
  auto family = std::make_unique<Family>(std::string(name), std::string(help),
                                         std::move(label_names), std::forward<Args>(args)...);
  Family& ref = *family;
  families_.emplace(std::string(name), std::move(family));
  return ref;
}

CounterFamily& Metrics::Counter(std::string_view name, std::string_view help,
                                std::vector<std::string> label_names) {
  return GetOrCreate<CounterFamily>(name, help, std::move(label_names));
}

GaugeFamily& Metrics::Gauge(std::string_view name, std::string_view help,
                            std::vector<std::string> label_names) {
  return GetOrCreate<GaugeFamily>(name, help, std::move(label_names));
}

HistogramFamily& Metrics::Histogram(std::string_view name, std::string_view help,
                                    std::vector<std::string> label_names,
                                    std::vector<double> bounds) {
  return GetOrCreate<HistogramFamily>(name, help, std::move(label_names), std::move(bounds));
}

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, family] : families_) family->Render(&out);
  return out;
}

}  // namespace bulwark::api
