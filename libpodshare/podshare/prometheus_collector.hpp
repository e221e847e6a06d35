#pragma once

#include "podshare/metrics.hpp"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace podshare {

/// podshare's metrics for an application that exports with prometheus-cpp:
/// register it with a `prometheus::Registry` (or an `Exposer`), and every
/// scrape asks `source` for the families, e.g.
/// `[&face] { return face.families(); }` with a `podshare::http::pod_face`,
/// or `metrics::collect(...)` of samples the application gathers itself.
/// Header-only: only applications that include it need prometheus-cpp.
class prometheus_collector : public prometheus::Collectable {
public:
  using source_fn = std::function<std::vector<metrics::family>()>;

  explicit prometheus_collector(source_fn source)
    : source_(std::move(source)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> result;
    for (auto& f : source_())
      result.push_back(convert(f));
    return result;
  }

private:
  static prometheus::MetricFamily convert(const metrics::family& f) {
    prometheus::MetricFamily out;
    out.name = f.name;
    out.help = f.help;
    out.type = f.type == "counter"   ? prometheus::MetricType::Counter
               : f.type == "gauge"   ? prometheus::MetricType::Gauge
               : f.type == "summary" ? prometheus::MetricType::Summary
                                     : prometheus::MetricType::Untyped;
    // A summary's "_sum" and "_count" samples of one label set make one
    // metric.
    std::map<std::vector<std::pair<std::string, std::string>>, size_t> at;
    for (auto& s : f.samples) {
      auto [i, fresh] = at.emplace(s.labels, out.metric.size());
      if (fresh) {
        prometheus::ClientMetric m;
        for (auto& [name, value] : s.labels)
          m.label.push_back({name, value});
        out.metric.push_back(std::move(m));
      }
      auto& m = out.metric[i->second];
      switch (out.type) {
        case prometheus::MetricType::Counter: m.counter.value = s.value; break;
        case prometheus::MetricType::Gauge: m.gauge.value = s.value; break;
        case prometheus::MetricType::Summary:
          if (s.suffix == "_count")
            m.summary.sample_count = static_cast<std::uint64_t>(s.value);
          else
            m.summary.sample_sum = s.value;
          break;
        default: m.untyped.value = s.value; break;
      }
    }
    return out;
  }

  source_fn source_;
};

} // namespace podshare
