// The HTML rendering of a report (report.h): one self-contained file. Its charts are inline SVG
// drawn here, each with a title, axis labels, a text alternative and a data table; its sample
// viewer is a little inline script over an index embedded as JSON. A content security policy
// names the style and the script by their hashes, so that nothing else in the page can run,
// and the page fetches nothing.
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <set>

#include "base/encoding.h"
#include "base/text.h"
#include "evals/report.h"

namespace bulwark::evals {
namespace {

namespace json = boost::json;

// Text from outside (the run log, the suite, the policy) as HTML text or an attribute value.
std::string Html(std::string_view text) {
  std::string out;
  const std::string printable = PrintableText(ValidUtf8(text));
  out.reserve(printable.size());
  for (char ch : printable) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

// JSON inside a <script type="application/json"> element: no "<" (so no "</script>" and no
// "<!--"), and no ">" or "&" either; JSON.parse reads the escapes back as the same strings.
std::string ScriptJson(const json::value& value) {
  const std::string text = json::serialize(value);
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string Sha256Base64(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string Fixed(double v, int digits = 3) {
  if (!std::isfinite(v)) return "-";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

// A coordinate in an SVG attribute.
std::string At(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", std::isfinite(v) ? v : 0.0);
  return text;
}

// 1234567 as "1,234,567"; other numbers as %g.
std::string Count(double v) {
  if (std::fabs(v - std::round(v)) > 1e-9 || std::fabs(v) >= 1e15) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return text;
  }
  std::string digits = std::to_string(static_cast<long long>(std::llround(std::fabs(v))));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}

std::string Int(int64_t v) { return Count(static_cast<double>(v)); }

// About `target` round ticks covering [lo, hi].
std::vector<double> NiceTicks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

// Minutes as people say them: "30 s", "4 min", "2 h".
std::string Duration(double minutes) {
  char text[32];
  if (minutes < 1) {
    std::snprintf(text, sizeof text, "%g s", std::round(minutes * 600) / 10);
  } else if (minutes < 60) {
    std::snprintf(text, sizeof text, "%g min", std::round(minutes * 10) / 10);
  } else {
    std::snprintf(text, sizeof text, "%g h", std::round(minutes / 6) / 10);
  }
  return text;
}

// An inline SVG chart: a plot area inside margins, drawn in data coordinates through the
// scales set. Labels, titles and descriptions are escaped here.
class Chart {
 public:
  Chart(std::string id, double width, double height, double left, double right, double top,
        double bottom)
      : id_(std::move(id)),
        width_(width),
        height_(height),
        left_(left),
        right_(width - right),
        top_(top),
        bottom_(height - bottom) {}

  void XDomain(double lo, double hi) {
    x_lo_ = lo;
    x_hi_ = hi > lo ? hi : lo + 1;
  }
  void YDomain(double lo, double hi) {
    y_lo_ = lo;
    y_hi_ = hi > lo ? hi : lo + 1;
  }
  double X(double v) const { return left_ + (v - x_lo_) / (x_hi_ - x_lo_) * (right_ - left_); }
  double Y(double v) const { return bottom_ - (v - y_lo_) / (y_hi_ - y_lo_) * (bottom_ - top_); }
  double left() const { return left_; }
  double right() const { return right_; }
  double top() const { return top_; }
  double bottom() const { return bottom_; }

  void Line(double x1, double y1, double x2, double y2, std::string_view cls) {
    body_ += "<line x1=\"" + At(x1) + "\" y1=\"" + At(y1) + "\" x2=\"" + At(x2) + "\" y2=\"" +
             At(y2) + "\" class=\"" + std::string(cls) + "\"/>";
  }
  void Rect(double x, double y, double w, double h, std::string_view cls,
            std::string_view tooltip = "") {
    body_ += "<rect x=\"" + At(x) + "\" y=\"" + At(y) + "\" width=\"" + At(std::max(w, 0.0)) +
             "\" height=\"" + At(std::max(h, 0.0)) + "\" class=\"" + std::string(cls) + "\"";
    body_ += tooltip.empty() ? "/>" : "><title>" + Html(tooltip) + "</title></rect>";
  }
  void Circle(double x, double y, double r, std::string_view cls, std::string_view tooltip) {
    body_ += "<circle cx=\"" + At(x) + "\" cy=\"" + At(y) + "\" r=\"" + At(r) + "\" class=\"" +
             std::string(cls) + "\"><title>" + Html(tooltip) + "</title></circle>";
  }
  // `anchor`: start, middle or end.
  void Text(double x, double y, std::string_view text, std::string_view cls = "label",
            std::string_view anchor = "start", bool vertical = false) {
    body_ += "<text x=\"" + At(x) + "\" y=\"" + At(y) + "\" class=\"" + std::string(cls) +
             "\" text-anchor=\"" + std::string(anchor) + "\"";
    if (vertical) body_ += " transform=\"rotate(-90 " + At(x) + " " + At(y) + ")\"";
    body_ += ">" + Html(text) + "</text>";
  }
  void Polyline(const std::vector<std::pair<double, double>>& points, std::string_view cls,
                bool clipped = false) {
    body_ += "<polyline class=\"" + std::string(cls) + "\" points=\"";
    for (const auto& [x, y] : points) body_ += At(x) + "," + At(y) + " ";
    body_ += "\"";
    if (clipped) body_ += " clip-path=\"url(#" + id_ + "-plot)\"";
    body_ += "/>";
  }
  void XAxis(const std::vector<std::pair<double, std::string>>& ticks, std::string_view title) {
    for (const auto& [v, label] : ticks) {
      Line(X(v), top_, X(v), bottom_, "grid");
      Text(X(v), bottom_ + 16, label, "tick", "middle");
    }
    Line(left_, bottom_, right_, bottom_, "axis");
    Text((left_ + right_) / 2, height_ - 8, title, "axis-title", "middle");
  }
  void YAxis(const std::vector<std::pair<double, std::string>>& ticks, std::string_view title) {
    for (const auto& [v, label] : ticks) {
      Line(left_, Y(v), right_, Y(v), "grid");
      Text(left_ - 6, Y(v) + 4, label, "tick", "end");
    }
    Line(left_, top_, left_, bottom_, "axis");
    Text(14, (top_ + bottom_) / 2, title, "axis-title", "middle", true);
  }

  // The <svg> element, labelled by its title and described by `description`.
  std::string Svg(std::string_view title, std::string_view description) const {
    return "<svg id=\"" + id_ + "\" role=\"img\" viewBox=\"0 0 " + At(width_) + " " + At(height_) +
           "\" width=\"" + At(width_) + "\" height=\"" + At(height_) + "\" aria-labelledby=\"" +
           id_ + "-title " + id_ + "-desc\"><title id=\"" + id_ + "-title\">" + Html(title) +
           "</title><desc id=\"" + id_ + "-desc\">" + Html(description) +
           "</desc><defs><clipPath id=\"" + id_ + "-plot\"><rect x=\"" + At(left_) + "\" y=\"" +
           At(top_) + "\" width=\"" + At(right_ - left_) + "\" height=\"" + At(bottom_ - top_) +
           "\"/></clipPath></defs>" + body_ + "</svg>";
  }

 private:
  std::string id_;
  double width_, height_, left_, right_, top_, bottom_;
  double x_lo_ = 0, x_hi_ = 1, y_lo_ = 0, y_hi_ = 1;
  std::string body_;
};

// A chart in a figure with its heading, caption and its data as a table.
std::string Figure(std::string_view heading, const std::string& svg, std::string_view caption,
                   const std::string& table) {
  return "<figure><figcaption><strong>" + Html(heading) + "</strong> " + Html(caption) +
         "</figcaption>" + svg + "<details><summary>The data as a table</summary>" + table +
         "</details></figure>\n";
}

// A threshold to draw on the pass-rate charts.
struct ThresholdLine {
  double value;
  std::string label;
};

std::vector<ThresholdLine> Thresholds(const Report& r) {
  std::vector<ThresholdLine> lines;
  if (!r.decision) return lines;
  for (const Criterion& c : r.decision->policy.criteria) {
    lines.push_back({c.threshold, "threshold " + Fixed(c.threshold, 2) + " (" + c.id + ")"});
  }
  return lines;
}

std::string RateHeaderCells() {
  return "<th scope=\"col\">Tasks</th><th scope=\"col\">Samples</th><th scope=\"col\">Rate</th>"
         "<th scope=\"col\">Lower bound</th><th scope=\"col\">Upper bound</th>"
         "<th scope=\"col\">SE (by task)</th><th scope=\"col\">n used</th>"
         "<th scope=\"col\">Method</th>";
}

std::string RateCells(const stats::PassRate& r) {
  return "<td class=\"num\">" + Int(r.tasks) + "</td><td class=\"num\">" + Int(r.samples) +
         "</td><td class=\"num\">" + Fixed(r.rate) + "</td><td class=\"num\">" + Fixed(r.lower) +
         "</td><td class=\"num\">" + Fixed(r.upper) + "</td><td class=\"num\">" +
         Fixed(r.standard_error) + "</td><td class=\"num\">" + Fixed(r.effective_tasks, 1) +
         "</td><td>" + Html(r.method) + "</td>";
}

// Pass rate by group: a bar per group to its rate, a whisker from its lower to its upper
// one-sided bound, the policy's thresholds as lines.
std::string GroupChart(const Report& r, const std::string& id, const std::string& what,
                       const std::vector<stats::GroupRate>& groups) {
  std::vector<std::pair<std::string, const stats::PassRate*>> rows;
  rows.push_back({"all tasks", &r.pass_rate});
  for (const stats::GroupRate& g : groups) {
    rows.push_back({g.group.empty() ? "(none)" : g.group, &g.rate});
  }
  const double row_height = 26;
  Chart chart(id, 760, 70 + row_height * rows.size() + 30, 190, 80, 40, 60);
  chart.XDomain(0, 1);
  chart.YDomain(0, static_cast<double>(rows.size()));
  std::vector<std::pair<double, std::string>> ticks;
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) ticks.push_back({t, Fixed(t, 2)});
  const std::string level = Fixed(r.options.level * 100, 0) + "%";
  chart.XAxis(ticks,
              "Pass rate (mean of per-task means); whiskers: one-sided " + level + " bounds");
  std::string description = "Pass rate by " + what + ", with one-sided " + level + " bounds. ";
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& [name, rate] = rows[i];
    const double y = chart.top() + row_height * i;
    const double mid = y + row_height / 2;
    std::string shown = name.size() > 26 ? name.substr(0, 25) + "\xe2\x80\xa6" : name;
    chart.Text(chart.left() - 8, mid + 4,
               shown + " (" + Int(rate->tasks) + (rate->tasks == 1 ? " task)" : " tasks)"),
               i == 0 ? "label strong" : "label", "end");
    const std::string tooltip = name + ": " + Fixed(rate->rate) + ", bounds " + Fixed(rate->lower) +
                                " to " + Fixed(rate->upper) + ", " + Int(rate->tasks) + " tasks, " +
                                Int(rate->samples) + " samples";
    chart.Rect(chart.X(0), y + 5, chart.X(rate->rate) - chart.X(0), row_height - 10,
               i == 0 ? "bar all" : "bar", tooltip);
    chart.Line(chart.X(rate->lower), mid, chart.X(rate->upper), mid, "whisker");
    chart.Line(chart.X(rate->lower), mid - 6, chart.X(rate->lower), mid + 6, "whisker");
    chart.Line(chart.X(rate->upper), mid - 6, chart.X(rate->upper), mid + 6, "whisker");
    chart.Text(chart.right() + 8, mid + 4, Fixed(rate->rate), "value");
    description += name + " " + Fixed(rate->rate) + " (" + Fixed(rate->lower) + " to " +
                   Fixed(rate->upper) + ", " + Int(rate->tasks) + " tasks); ";
  }
  const std::vector<ThresholdLine> thresholds = Thresholds(r);
  for (size_t i = 0; i < thresholds.size(); ++i) {
    const double x = chart.X(thresholds[i].value);
    chart.Line(x, chart.top() - 6, x, chart.bottom(), "threshold");
    chart.Text(x, chart.top() - 10 - 12.0 * static_cast<double>(i % 2), thresholds[i].label,
               "threshold-label", "middle");
    description += thresholds[i].label + ". ";
  }
  std::string table = "<table><thead><tr><th scope=\"col\">" + Html(what) + "</th>" +
                      RateHeaderCells() + "</tr></thead><tbody>";
  for (const auto& [name, rate] : rows) {
    table += "<tr><th scope=\"row\">" + Html(name) + "</th>" + RateCells(*rate) + "</tr>";
  }
  table += "</tbody></table>";
  const std::string title = "Pass rate by " + what;
  return Figure(title, chart.Svg(title, description),
                "Bars: the pass rate; whiskers: from the lower to the upper one-sided " + level +
                    " bound." + (thresholds.empty() ? "" : " Dashed: the policy's thresholds."),
                table);
}

std::string HorizonChart(const HorizonReport& h) {
  const stats::Horizon& hz = h.horizon;
  Chart chart("chart-horizon", 760, 380, 70, 30, 40, 60);
  double lo = INFINITY, hi = -INFINITY;
  for (const TimedPoint& p : h.points) {
    lo = std::min(lo, std::log2(p.minutes));
    hi = std::max(hi, std::log2(p.minutes));
  }
  if (hz.defined) {
    lo = std::min(lo, std::log2(hz.minutes));
    hi = std::max(hi, std::log2(hz.minutes));
  }
  lo = std::floor(lo) - 0.5;
  hi = std::ceil(hi) + 0.5;
  chart.XDomain(lo, hi);
  chart.YDomain(0, 1);
  std::vector<std::pair<double, std::string>> x_ticks, y_ticks;
  const int every = static_cast<int>(std::ceil((hi - lo) / 12));
  for (int e = static_cast<int>(std::ceil(lo)); e <= static_cast<int>(std::floor(hi)); ++e) {
    if (e % every == 0) x_ticks.push_back({e, Duration(std::exp2(e))});
  }
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) y_ticks.push_back({t, Fixed(t, 2)});
  chart.XAxis(x_ticks, "Time a skilled person takes (expected_human_minutes, log2 scale)");
  chart.YAxis(y_ticks, "Task success rate");
  chart.Line(chart.left(), chart.Y(0.5), chart.right(), chart.Y(0.5), "reference");
  std::string description = "Each task's success rate against the minutes a skilled person " +
                            std::string("takes, on a log2 scale; ") +
                            Int(static_cast<int64_t>(h.points.size())) + " tasks. ";
  if (hz.defined) {
    const double band_lo = std::clamp(std::log2(std::max(hz.low, 1e-9)), lo, hi);
    const double band_hi = std::clamp(std::log2(std::max(hz.high, 1e-9)), lo, hi);
    chart.Rect(chart.X(band_lo), chart.top(), chart.X(band_hi) - chart.X(band_lo),
               chart.bottom() - chart.top(), "band",
               Fixed(hz.level * 100, 0) + "% bootstrap interval: " + Duration(hz.low) + " to " +
                   Duration(hz.high));
    std::vector<std::pair<double, double>> curve;
    for (int i = 0; i <= 200; ++i) {
      const double x = lo + (hi - lo) * i / 200;
      const double p = 1 / (1 + std::exp(-(hz.intercept + hz.slope * x)));
      curve.push_back({chart.X(x), chart.Y(p)});
    }
    chart.Polyline(curve, "fit", true);
    const double x = chart.X(std::log2(hz.minutes));
    chart.Line(x, chart.top(), x, chart.bottom(), "horizon");
    chart.Text(std::min(x + 6, chart.right() - 4), chart.top() - 8,
               "50% horizon " + Duration(hz.minutes) + " (" + Fixed(hz.level * 100, 0) +
                   "%: " + Duration(hz.low) + " to " + Duration(hz.high) + ")",
               "horizon-label", x + 6 > chart.right() - 200 ? "end" : "start");
    description += "Fitted logistic curve; the 50% horizon is " + Duration(hz.minutes) + ", " +
                   Fixed(hz.level * 100, 0) + "% bootstrap interval " + Duration(hz.low) + " to " +
                   Duration(hz.high) + ".";
  } else {
    description += "No horizon: " + hz.why_not + ".";
  }
  for (const TimedPoint& p : h.points) {
    chart.Circle(chart.X(std::log2(p.minutes)), chart.Y(p.rate), 4, "point",
                 p.task_id + ": " + Fixed(p.rate) + " of " + Int(p.samples) + " samples, " +
                     Duration(p.minutes));
  }
  std::string table =
      "<table><thead><tr><th scope=\"col\">Task</th><th scope=\"col\">Minutes</th>"
      "<th scope=\"col\">Success rate</th><th scope=\"col\">Samples</th></tr></thead><tbody>";
  for (const TimedPoint& p : h.points) {
    table += "<tr><th scope=\"row\">" + Html(p.task_id) + "</th><td class=\"num\">" +
             Fixed(p.minutes, 1) + "</td><td class=\"num\">" + Fixed(p.rate) +
             "</td><td class=\"num\">" + Int(p.samples) + "</td></tr>";
  }
  table += "</tbody></table>";
  std::string caption =
      hz.defined ? "Points: tasks; curve: the logistic fit; line: the 50% horizon, " +
                       Duration(hz.minutes) + "; shaded: its " + Fixed(hz.level * 100, 0) +
                       "% bootstrap interval (" + Int(hz.resamples) + " resamples of " +
                       Int(hz.tasks) + " tasks, seed " + std::to_string(h.seed) + ")."
                 : "No horizon: " + hz.why_not + ".";
  return Figure("Time horizon", chart.Svg("Time horizon", description), caption, table);
}

std::string SequentialChart(const SequentialEvidence& e, size_t number) {
  const std::string id = "chart-sequential-" + std::to_string(number);
  Chart chart(id, 760, 360, 70, 30, 40, 60);
  double lo = -e.log_bar, hi = 1.25 * e.log_bar;
  for (const SequentialPoint& p : e.points) {
    for (double v : {p.log_above, p.log_below}) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  const bool clipped = lo < -4 * e.log_bar || hi > 4 * e.log_bar;
  lo = std::max(lo, -4 * e.log_bar);
  hi = std::min(hi, 4 * e.log_bar);
  chart.XDomain(0, static_cast<double>(std::max<int64_t>(e.samples, 1)));
  chart.YDomain(lo, hi);
  std::vector<std::pair<double, std::string>> x_ticks, y_ticks;
  for (double t : NiceTicks(0, static_cast<double>(std::max<int64_t>(e.samples, 1)), 6)) {
    x_ticks.push_back({t, Count(t)});
  }
  for (double t : NiceTicks(lo, hi, 6)) y_ticks.push_back({t, Count(t)});
  chart.XAxis(x_ticks, "Samples counted, in the order the run log recorded them");
  chart.YAxis(y_ticks, "Log evidence (log likelihood ratio)");
  chart.Line(chart.left(), chart.Y(e.log_bar), chart.right(), chart.Y(e.log_bar), "bar-line");
  chart.Text(chart.right() - 4, chart.Y(e.log_bar) - 6,
             "log(2/\xce\xb1) = " + Fixed(e.log_bar, 2) + ": decides", "threshold-label", "end");
  chart.Line(chart.left(), chart.Y(0), chart.right(), chart.Y(0), "reference");
  // Values past the chart are drawn just past it, where the plot area clips them.
  const double span = hi - lo;
  auto y = [&](double v) {
    return chart.Y(std::isnan(v) ? lo : std::clamp(v, lo - span, hi + span));
  };
  std::vector<std::pair<double, double>> above, below;
  for (const SequentialPoint& p : e.points) {
    above.push_back({chart.X(static_cast<double>(p.samples)), y(p.log_above)});
    below.push_back({chart.X(static_cast<double>(p.samples)), y(p.log_below)});
  }
  chart.Polyline(above, "series-above", true);
  chart.Polyline(below, "series-below", true);
  const double legend_y = chart.top() - 14;
  chart.Line(chart.left(), legend_y, chart.left() + 24, legend_y, "series-above");
  chart.Text(chart.left() + 30, legend_y + 4,
             "log M+: above the threshold " + Fixed(e.threshold, 2), "label");
  chart.Line(chart.left() + 300, legend_y, chart.left() + 324, legend_y, "series-below");
  chart.Text(chart.left() + 330, legend_y + 4, "log M-: below it", "label");
  const SequentialPoint& last = e.points.back();
  std::string description =
      "Sequential evidence for criterion " + e.criterion + " against the threshold " +
      Fixed(e.threshold, 4) + " with alpha " + Fixed(e.alpha, 3) + ", over " + Int(e.samples) +
      " samples: at the end log M+ is " + Fixed(last.log_above, 2) + " and log M- is " +
      Fixed(last.log_below, 2) + "; the bar is " + Fixed(e.log_bar, 2) + ". ";
  if (e.first_call_at) {
    const double x = chart.X(static_cast<double>(e.first_call_at->samples));
    chart.Line(x, chart.top(), x, chart.bottom(), "call-line");
    const std::string call = e.first_call == stats::SequentialCall::kExceeds ? "exceeds" : "below";
    chart.Text(std::min(x + 4, chart.right() - 4), chart.bottom() - 8,
               "first call: " + call + " at sample " + Int(e.first_call_at->samples), "label",
               x + 4 > chart.right() - 200 ? "end" : "start");
    description +=
        "It first reached the bar (" + call + ") at sample " + Int(e.first_call_at->samples) + ". ";
  } else {
    description += "It never reached the bar. ";
  }
  if (clipped) description += "Values beyond the chart are clipped; the table has them. ";
  std::string table =
      "<table><thead><tr><th scope=\"col\">Samples</th><th scope=\"col\">Passes</th>"
      "<th scope=\"col\">log M+</th><th scope=\"col\">log M-</th></tr></thead><tbody>";
  for (const SequentialPoint& p : e.points) {
    table += "<tr><td class=\"num\">" + Int(p.samples) + "</td><td class=\"num\">" + Int(p.passes) +
             "</td><td class=\"num\">" + Fixed(p.log_above, 3) + "</td><td class=\"num\">" +
             Fixed(p.log_below, 3) + "</td></tr>";
  }
  table += "</tbody></table>";
  const std::string title = "Sequential evidence: " + e.criterion;
  return Figure(title, chart.Svg(title, description),
                "For information: the policy decides once, on the whole run. Evaluated every " +
                    Int(e.step) + (e.step == 1 ? " sample" : " samples") +
                    "; alpha = 1 - level = " + Fixed(e.alpha, 3) + "." +
                    (clipped ? " Values beyond the chart are clipped." : ""),
                table);
}

constexpr std::string_view kStyle = R"CSS(
:root { color-scheme: light; --ink: #1b1f24; --muted: #4a5560; --line: #c9d1d9; --accent: #1f5fa8;
  --accent-soft: #9dbde3; --warn: #a33a00; --ok: #1d6b2f; --bg: #ffffff; --panel: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
header, main { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 1.6rem; margin: 0.2em 0; }
h2 { font-size: 1.25rem; margin-top: 2em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; }
.muted { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.92rem; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--panel); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.outcome { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 700;
  color: #fff; background: var(--muted); }
.outcome.exceeds { background: var(--warn); }
.outcome.below { background: var(--ok); }
figure { margin: 16px 0 24px; }
figcaption { margin-bottom: 6px; }
svg { max-width: 100%; height: auto; display: block; }
svg .grid { stroke: #e3e8ed; stroke-width: 1; }
svg .axis { stroke: var(--ink); stroke-width: 1; }
svg .tick, svg .label, svg .value { font-size: 12px; fill: var(--ink); }
svg .strong { font-weight: 700; }
svg .axis-title { font-size: 12px; fill: var(--muted); }
svg .bar { fill: var(--accent-soft); }
svg .bar.all { fill: var(--accent); }
svg .whisker { stroke: var(--ink); stroke-width: 2; }
svg .threshold { stroke: var(--warn); stroke-width: 2; stroke-dasharray: 6 4; }
svg .threshold-label, svg .horizon-label { font-size: 12px; fill: var(--warn); font-weight: 600; }
svg .reference { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 3 3; }
svg .band { fill: #f3c9a8; opacity: 0.55; }
svg .fit { fill: none; stroke: var(--accent); stroke-width: 2.5; }
svg .horizon { stroke: var(--warn); stroke-width: 2; }
svg .point { fill: var(--ink); fill-opacity: 0.55; }
svg .bar-line { stroke: var(--warn); stroke-width: 2; stroke-dasharray: 6 4; }
svg .call-line { stroke: var(--muted); stroke-width: 1.5; stroke-dasharray: 2 3; }
svg .series-above { fill: none; stroke: var(--accent); stroke-width: 2.5; }
svg .series-below { fill: none; stroke: #7a3e9d; stroke-width: 2.5; stroke-dasharray: 8 3; }
details { margin-top: 6px; }
.controls { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: end; margin: 10px 0; }
.controls .field { display: flex; flex-direction: column; }
.controls label { font-size: 0.9rem; font-weight: 600; }
input, select, button { font: inherit; }
button { padding: 2px 10px; }
.pager { display: flex; gap: 12px; align-items: center; }
#sample-table tbody tr.current { background: #e8f0fb; }
#sample-view { margin-top: 16px; padding: 12px 16px; background: var(--panel);
  border: 1px solid var(--line); border-radius: 6px; }
#transcript { list-style: none; padding: 0; margin: 0; }
#transcript li { margin: 10px 0; }
#transcript .meta { font-size: 0.85rem; font-weight: 600; color: var(--muted); }
#transcript pre { margin: 2px 0 0; padding: 8px; background: var(--bg); border: 1px solid var(--line);
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 32em; overflow: auto; }
.error { color: var(--warn); font-weight: 600; }
)CSS";

// The sample viewer: lists the samples from the embedded index, page by page, and opens one by
// reading just its gzip member from the run log the reader picks. Everything from the log is
// put in the page as text.
constexpr std::string_view kScript = R"JS(
'use strict';
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const index = data.sample_index;
  const count = index.count;
  const PAGE = 50;
  const $ = (id) => document.getElementById(id);
  const fileInput = $('log-file');
  const logStatus = $('log-status');
  const body = $('sample-rows');
  const pageStatus = $('page-status');
  const view = $('sample-view');
  let file = null;
  let rows = null;
  let page = 0;

  function cell(tr, text, numeric) {
    const td = document.createElement('td');
    td.textContent = String(text);
    if (numeric) td.className = 'num';
    tr.appendChild(td);
  }

  function filter() {
    const text = $('filter-task').value.trim().toLowerCase();
    const end = $('filter-end').value;
    const passed = $('filter-passed').value;
    const taskOk = new Uint8Array(index.tasks.length);
    index.tasks.forEach((name, i) => { taskOk[i] = text === '' || name.toLowerCase().includes(text) ? 1 : 0; });
    const endNumber = end === '' ? -1 : index.ends.indexOf(end);
    const out = [];
    for (let i = 0; i < count; i++) {
      if (!taskOk[index.task[i]]) continue;
      if (endNumber >= 0 && index.end[i] !== endNumber) continue;
      if (passed !== '' && String(index.passed[i]) !== passed) continue;
      out.push(i);
    }
    rows = out;
    page = 0;
    render();
  }

  function render() {
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    page = Math.min(Math.max(page, 0), pages - 1);
    body.replaceChildren();
    for (const i of rows.slice(page * PAGE, page * PAGE + PAGE)) {
      const tr = document.createElement('tr');
      cell(tr, i + 1, true);
      cell(tr, index.tasks[index.task[i]]);
      cell(tr, index.epoch[i], true);
      cell(tr, index.ends[index.end[i]]);
      cell(tr, index.passed[i] ? 'yes' : 'no');
      cell(tr, index.offset[i], true);
      cell(tr, index.length[i], true);
      const td = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Open';
      button.dataset.sample = String(i);
      button.setAttribute('aria-label', 'Open sample ' + (i + 1) + ': ' +
          index.tasks[index.task[i]] + ', epoch ' + index.epoch[i]);
      td.appendChild(button);
      tr.appendChild(td);
      body.appendChild(tr);
    }
    pageStatus.textContent = rows.length === 0 ? 'No sample matches.' :
        'Samples ' + (page * PAGE + 1) + ' to ' + Math.min(rows.length, page * PAGE + PAGE) +
        ' of ' + rows.length + ' (page ' + (page + 1) + ' of ' + pages + ')';
    $('page-prev').disabled = page === 0;
    $('page-next').disabled = page >= pages - 1;
  }

  async function member(offset, length) {
    const stream = file.slice(offset, offset + length).stream()
        .pipeThrough(new DecompressionStream('gzip'));
    return JSON.parse(await new Response(stream).text());
  }

  function say(element, text, isError) {
    element.textContent = text;
    element.classList.toggle('error', Boolean(isError));
  }

  async function pick() {
    file = fileInput.files.length > 0 ? fileInput.files[0] : null;
    if (file === null) { say(logStatus, 'No run log opened.'); return; }
    try {
      const header = await member(0, data.run.header_length);
      const same = header.type === 'run' && header.suite_hash === data.run.suite_hash &&
          header.provider === data.run.provider && header.model === data.run.model;
      if (!same) {
        say(logStatus, file.name + ' is the run log of another run (suite, provider or model differ).', true);
        file = null;
        return;
      }
      say(logStatus, file.name + ' opened: the run of ' + header.suite + ' by ' + header.provider +
          '/' + header.model + '. Open any sample below.');
    } catch (e) {
      say(logStatus, file.name + ' is not this report\'s run log (' + e.message + ').', true);
      file = null;
    }
  }

  function fact(dl, name, value) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    dl.append(dt, dd);
  }

  async function open(i) {
    const heading = $('sample-heading');
    const facts = $('sample-facts');
    const list = $('transcript');
    view.hidden = false;
    facts.replaceChildren();
    list.replaceChildren();
    heading.textContent = 'Sample ' + (i + 1) + ': ' + index.tasks[index.task[i]] + ', epoch ' + index.epoch[i];
    const note = $('sample-note');
    if (file === null) {
      say(note, 'Open the run log above to read this sample\'s transcript.', true);
      heading.focus();
      return;
    }
    say(note, 'Reading ' + index.length[i] + ' bytes at offset ' + index.offset[i] + '\u2026');
    try {
      const record = await member(index.offset[i], index.length[i]);
      if (record.type !== 'sample' || record.task !== index.tasks[index.task[i]] ||
          record.epoch !== index.epoch[i]) {
        throw new Error('the record there is not this sample: is this the report\'s run log, unchanged?');
      }
      say(note, '');
      for (const key of ['end', 'passed', 'score', 'attempts', 'messages', 'input_tokens',
                         'output_tokens', 'seconds', 'error_kind', 'error_message']) {
        if (record[key] !== undefined && record[key] !== '') fact(facts, key, record[key]);
      }
      const entries = Array.isArray(record.transcript) ? record.transcript : [];
      for (const entry of entries) {
        const li = document.createElement('li');
        const meta = document.createElement('div');
        meta.className = 'meta';
        const parts = [String(entry.kind)];
        if (entry.tool) parts.push(String(entry.tool));
        if (entry.call_id) parts.push(String(entry.call_id));
        if (entry.exit_code !== undefined) parts.push('exit ' + entry.exit_code);
        if (entry.timed_out) parts.push('timed out');
        meta.textContent = parts.join(' \u00b7 ');
        const pre = document.createElement('pre');
        pre.textContent = String(entry.text ?? '');
        li.append(meta, pre);
        list.appendChild(li);
      }
      if (entries.length === 0) say(note, 'This sample has no transcript.');
    } catch (e) {
      say(note, 'Cannot read this sample: ' + e.message, true);
    }
    heading.focus();
  }

  fileInput.addEventListener('change', pick);
  for (const id of ['filter-task', 'filter-end', 'filter-passed']) {
    $(id).addEventListener('input', filter);
  }
  $('page-prev').addEventListener('click', () => { page--; render(); });
  $('page-next').addEventListener('click', () => { page++; render(); });
  body.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-sample]');
    if (button) open(Number(button.dataset.sample));
  });
  $('viewer-controls').hidden = false;
  filter();
})();
)JS";

}  // namespace

std::string ReportHtml(const Report& r) {
  const RunHeader& h = r.header;
  const std::string level = Fixed(r.options.level * 100, 0) + "%";
  std::string html;
  html.reserve(4096 + r.samples.task.size() * 48);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'sha256-" +
      Sha256Base64(kStyle) + "'; script-src 'sha256-" + Sha256Base64(kScript) +
      "'; img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'\">\n";
  html += "<meta name=\"generator\" content=\"bulwark eval report (" + std::string(kReportFormat) +
          ")\">\n";
  html += "<title>Run report: " + Html(h.suite) + " " + Html(h.suite_version) + ", " +
          Html(h.provider) + "/" + Html(h.model) + "</title>\n";
  html += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  html += "<header><h1>Run report: " + Html(h.suite) + " " + Html(h.suite_version) + ", " +
          Html(h.provider) + "/" + Html(h.model) + "</h1>";
  html += "<p class=\"muted\">Generated " + Html(r.options.generated_at) +
          " by bulwark eval report (" + std::string(kReportFormat) +
          "). Every rate says its number of tasks and samples, " +
          "its method and its level.</p></header>\n<main>\n";

  // The run.
  html += "<section aria-labelledby=\"run-h\"><h2 id=\"run-h\">The run</h2><dl class=\"facts\">";
  auto fact = [&](std::string_view name, const std::string& escaped_value) {
    html += "<dt>" + std::string(name) + "</dt><dd>" + escaped_value + "</dd>";
  };
  fact("Suite", Html(h.suite) + " " + Html(h.suite_version));
  fact("Suite content hash", "<code>" + Html(h.suite_hash) + "</code>" +
                                 (r.suite_name ? " (suite given: breakdowns and time horizon)"
                                               : " (suite not given: no breakdowns)"));
  fact("Model", Html(h.provider) + "/" + Html(h.model) +
                    (h.base_url.empty() ? "" : " at <code>" + Html(h.base_url) + "</code>"));
  fact("Epochs", Int(h.epochs));
  fact("Started", h.started_at.empty() ? "-" : Html(h.started_at));
  fact("Last written", r.options.last_written_at.empty() ? "-" : Html(r.options.last_written_at));
  fact("Run log", "<code>" + Html(r.options.run_log) + "</code>");
  html += "</dl></section>\n";

  // The decision.
  if (r.decision) {
    const Policy& p = r.decision->policy;
    const Decision& d = r.decision->decision;
    const std::string outcome(OutcomeName(d.outcome));
    html += "<section aria-labelledby=\"decision-h\"><h2 id=\"decision-h\">Decision under policy " +
            Html(p.id) + " version " + Int(p.version) + "</h2>";
    html +=
        "<p><span class=\"outcome " + outcome + "\">" + outcome + "</span> " + Html(d.reason) + ".";
    if (d.outcome == Outcome::kInconclusive && d.tasks_to_settle > 0) {
      html += " About " + Int(d.tasks_to_settle) +
              " tasks in all would likely settle it, if the rates stay as seen.";
    }
    html += "</p><p class=\"muted\">Policy file <code>" + Html(p.hash) + "</code>" +
            (p.description.empty() ? "" : ": " + Html(p.description)) +
            ". Combine: " + (p.combine_all ? "all" : "any") + "; at least " + Int(p.min_tasks) +
            (p.min_tasks == 1 ? " task and " : " tasks and ") + Int(p.min_epochs) +
            (p.min_epochs == 1 ? " sample" : " samples") + " a task.</p>";
    html +=
        "<table><thead><tr><th scope=\"col\">Criterion</th><th scope=\"col\">Selects</th>"
        "<th scope=\"col\">Threshold</th><th scope=\"col\">Level</th>" +
        RateHeaderCells() + "<th scope=\"col\">Decision</th></tr></thead><tbody>";
    std::string reasons;
    for (const CriterionResult& c : d.criteria) {
      std::string selects;
      for (const auto& [what, list] : {std::pair{"categories ", &c.criterion.categories},
                                       std::pair{"difficulties ", &c.criterion.difficulties}}) {
        if (list->empty()) continue;
        if (!selects.empty()) selects += "; ";
        selects += what;
        for (size_t i = 0; i < list->size(); ++i) selects += (i ? ", " : "") + Html((*list)[i]);
      }
      const std::string outcome_name(OutcomeName(c.outcome));
      html += "<tr><th scope=\"row\">" + Html(c.criterion.id) + "</th><td>" +
              (selects.empty() ? "every task" : selects) + "</td><td class=\"num\">" +
              Fixed(c.criterion.threshold, 4) + "</td><td class=\"num\">" +
              Fixed(c.criterion.level, 3) + "</td>" + RateCells(c.rate) + "<td><strong>" +
              outcome_name + "</strong></td></tr>";
      reasons += "<li><strong>" + Html(c.criterion.id) + "</strong>: " + outcome_name + ", " +
                 Html(c.reason) + ".</li>";
    }
    html += "</tbody></table><ul>" + reasons + "</ul></section>\n";
  }

  // The samples.
  const SampleCounts& c = r.counts;
  html +=
      "<section aria-labelledby=\"counts-h\"><h2 id=\"counts-h\">Samples</h2><table>"
      "<thead><tr><th scope=\"col\">Samples</th><th scope=\"col\">Count</th></tr></thead><tbody>";
  auto count_row = [&](const std::string& name, int64_t n) {
    html += "<tr><th scope=\"row\">" + name + "</th><td class=\"num\">" + Int(n) + "</td></tr>";
  };
  count_row("Samples (the latest record of each task and epoch)", c.samples);
  count_row("Passed", c.passed);
  count_row("Failed", c.failed);
  for (const EndCount& e : c.failed_by_end) count_row("Failed: " + Html(e.end), e.samples);
  count_row("Infrastructure errors (not the model's: left out of every statistic)",
            c.infrastructure_errors);
  for (const EndCount& e : c.infrastructure_by_kind) {
    count_row("Infrastructure: " + Html(e.end), e.samples);
  }
  count_row("Records in the log (retries included)", c.records);
  count_row("Torn or damaged records (left out)", c.torn_records);
  if (r.suite_name)
    count_row("Tasks of the suite without a counted sample", c.tasks_without_samples);
  html += "</tbody></table></section>\n";

  // The pass rate.
  html +=
      "<section aria-labelledby=\"rate-h\"><h2 id=\"rate-h\">Pass rate</h2>"
      "<p>The mean of the per-task means, with one-sided " +
      level + " bounds and a standard error clustered by task.</p><table><thead><tr>" +
      RateHeaderCells() + "</tr></thead><tbody><tr>" + RateCells(r.pass_rate) +
      "</tr></tbody></table><table><thead><tr><th scope=\"col\">k</th>"
      "<th scope=\"col\">pass@k (unbiased)</th><th scope=\"col\">Tasks with at least k samples"
      "</th></tr></thead><tbody>";
  for (const PassAtKRow& p : r.pass_at_k) {
    html += "<tr><td class=\"num\">" + Int(p.k) + "</td><td class=\"num\">" +
            (p.tasks > 0 ? Fixed(p.value) : "-") + "</td><td class=\"num\">" + Int(p.tasks) +
            "</td></tr>";
  }
  html += "</tbody></table></section>\n";

  if (r.suite_name) {
    html +=
        "<section aria-labelledby=\"groups-h\"><h2 id=\"groups-h\">By category and difficulty"
        "</h2>";
    html += GroupChart(r, "chart-category", "category", r.by_category);
    html += GroupChart(r, "chart-difficulty", "difficulty", r.by_difficulty);
    html += "</section>\n";
  }
  if (r.horizon && !r.horizon->points.empty()) {
    html += "<section aria-labelledby=\"horizon-h\"><h2 id=\"horizon-h\">Time horizon</h2>";
    html += HorizonChart(*r.horizon);
    html += "</section>\n";
  } else if (r.horizon) {
    html +=
        "<section aria-labelledby=\"horizon-h\"><h2 id=\"horizon-h\">Time horizon</h2><p>"
        "None: no task of the suite gives expected_human_minutes.</p></section>\n";
  }
  if (r.decision) {
    html += r.decision->policy.sequential
                ? "<section aria-labelledby=\"sequential-h\"><h2 id=\"sequential-h\">Sequential "
                  "evidence</h2><p>The policy decides sequentially. Each criterion's anytime-valid "
                  "test reads the samples in the order the log recorded them: two mixture "
                  "likelihood-ratio martingales, one for a rate above the criterion's threshold "
                  "and one for below, with alpha = 1 - the criterion's level; either reaching "
                  "log(2/alpha) is the criterion's call, and the decision is made at the first "
                  "sample where the calls combine into one.</p>"
                : "<section aria-labelledby=\"sequential-h\"><h2 id=\"sequential-h\">Sequential "
                  "evidence (for information)</h2><p>The policy decides once, on the whole run. "
                  "These charts show what an anytime-valid sequential test would have said as the "
                  "samples accrued in the order the log recorded them: two mixture "
                  "likelihood-ratio martingales, one for a rate above each criterion's threshold "
                  "and one for below, with alpha = 1 - the criterion's level; either reaching "
                  "log(2/alpha) decides.</p>";
    for (size_t i = 0; i < r.decision->sequential.size(); ++i) {
      html += SequentialChart(r.decision->sequential[i], i);
    }
    html += "</section>\n";
  }

  // Per task.
  html +=
      "<section aria-labelledby=\"tasks-h\"><h2 id=\"tasks-h\">Tasks</h2><p>Each task's rate "
      "over its samples, with one-sided " +
      level +
      " Clopper-Pearson bounds.</p><table><thead><tr><th scope=\"col\">Task</th>"
      "<th scope=\"col\">Category</th><th scope=\"col\">Difficulty</th>"
      "<th scope=\"col\">Minutes</th><th scope=\"col\">Samples</th><th scope=\"col\">Passes"
      "</th><th scope=\"col\">Rate</th><th scope=\"col\">Lower</th><th scope=\"col\">Upper"
      "</th></tr></thead><tbody>";
  for (const TaskRow& t : r.tasks) {
    html += "<tr><th scope=\"row\">" + Html(t.task_id) + "</th><td>" + Html(t.category) +
            "</td><td>" + Html(t.difficulty) + "</td><td class=\"num\">" +
            (t.minutes ? Fixed(*t.minutes, 1) : "") + "</td><td class=\"num\">" + Int(t.samples) +
            "</td><td class=\"num\">" + Int(t.passes) + "</td><td class=\"num\">" + Fixed(t.rate) +
            "</td><td class=\"num\">" + Fixed(t.lower) + "</td><td class=\"num\">" +
            Fixed(t.upper) + "</td></tr>";
  }
  html += "</tbody></table></section>\n";

  // The sample viewer.
  html += "<section aria-labelledby=\"viewer-h\"><h2 id=\"viewer-h\">Sample viewer</h2><p>" +
          Int(static_cast<int64_t>(r.samples.task.size())) +
          " samples, in the order the run log recorded them. Their transcripts are not in this "
          "report: open the run log (<code>" +
          Html(r.options.run_log) +
          "</code>) and any sample opens from it at once, read from its offset alone. The log "
          "stays on this computer.</p>"
          "<noscript><p>The sample viewer needs JavaScript; the rest of this report does not."
          "</p></noscript>"
          "<div id=\"viewer-controls\" hidden><div class=\"controls\"><div class=\"field\">"
          "<label for=\"log-file\">Run log</label><input type=\"file\" id=\"log-file\"></div>"
          "<p id=\"log-status\" role=\"status\">No run log opened.</p></div>"
          "<div class=\"controls\"><div class=\"field\"><label for=\"filter-task\">Task contains"
          "</label><input type=\"search\" id=\"filter-task\"></div><div class=\"field\">"
          "<label for=\"filter-end\">End</label><select id=\"filter-end\">"
          "<option value=\"\">any</option>";
  for (const std::string& end : r.samples.end_names) {
    html += "<option value=\"" + Html(end) + "\">" + Html(end) + "</option>";
  }
  html +=
      "</select></div><div class=\"field\"><label for=\"filter-passed\">Passed</label>"
      "<select id=\"filter-passed\"><option value=\"\">any</option><option value=\"1\">yes"
      "</option><option value=\"0\">no</option></select></div></div><table "
      "id=\"sample-table\"><caption class=\"muted\">Samples, a page at a "
      "time</caption><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Task</th>"
      "<th scope=\"col\">Epoch</th><th scope=\"col\">End</th><th scope=\"col\">Passed</th>"
      "<th scope=\"col\">Offset</th><th scope=\"col\">Bytes</th><th scope=\"col\">Transcript"
      "</th></tr></thead><tbody id=\"sample-rows\"></tbody></table><div class=\"pager\">"
      "<button type=\"button\" id=\"page-prev\">Previous page</button><span id=\"page-status\" "
      "role=\"status\"></span><button type=\"button\" id=\"page-next\">Next page</button>"
      "</div><div id=\"sample-view\" hidden><h3 id=\"sample-heading\" tabindex=\"-1\"></h3>"
      "<p id=\"sample-note\" role=\"status\"></p><dl id=\"sample-facts\" class=\"facts\"></dl>"
      "<ol id=\"transcript\"></ol></div></div></section>\n</main>\n";

  // The index, for the viewer.
  const SampleIndex& s = r.samples;
  auto column = [](const auto& values) {
    json::array out;
    out.reserve(values.size());
    for (auto v : values) out.push_back(static_cast<int64_t>(v));
    return out;
  };
  json::array task_names, end_names;
  for (const std::string& t : s.task_names) task_names.push_back(json::string(ValidUtf8(t)));
  for (const std::string& e : s.end_names) end_names.push_back(json::string(ValidUtf8(e)));
  const json::value data =
      json::object{{"format", kReportFormat},
                   {"run", json::object{{"suite_hash", ValidUtf8(h.suite_hash)},
                                        {"provider", ValidUtf8(h.provider)},
                                        {"model", ValidUtf8(h.model)},
                                        {"header_length", r.header_length}}},
                   {"sample_index", json::object{{"order", "log"},
                                                 {"count", static_cast<int64_t>(s.task.size())},
                                                 {"tasks", std::move(task_names)},
                                                 {"ends", std::move(end_names)},
                                                 {"task", column(s.task)},
                                                 {"epoch", column(s.epoch)},
                                                 {"end", column(s.end)},
                                                 {"passed", column(s.passed)},
                                                 {"offset", column(s.offset)},
                                                 {"length", column(s.length)}}}};
  html += "<script type=\"application/json\" id=\"report-data\">" + ScriptJson(data) +
          "</script>\n<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace bulwark::evals
