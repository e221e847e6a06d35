#include "podshare/metrics.hpp"

#include <cstdio>
#include <functional>
#include <utility>

namespace podshare::metrics {

namespace {

// A label value as the text format wants it: backslash, quote and newline
// escaped.
std::string escape(const std::string& x) {
  std::string out;
  out.reserve(x.size());
  for (auto c : x) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

using labels = std::vector<std::pair<const char*, std::string>>;

std::string format_value(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", x);
  return buf;
}

// Writes one family: its HELP and TYPE lines, then each sample that
// `each` hands to `sample`.
class writer {
public:
  using sample_fn = std::function<void(const labels&, double)>;

  void family(const char* name, const char* type, const char* help,
              const std::function<void(const sample_fn&)>& each) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
    each([&](const labels& ls, double value) { sample(name, ls, value); });
  }

  void sample(const std::string& name, const labels& ls, double value) {
    out_ += name;
    if (!ls.empty()) {
      out_ += '{';
      for (size_t i = 0; i < ls.size(); ++i) {
        if (i > 0)
          out_ += ',';
        out_ += ls[i].first;
        out_ += "=\"";
        out_ += escape(ls[i].second);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += format_value(value);
    out_ += '\n';
  }

  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

using store_value = uint64_t (*)(const podshare::stats&);

struct store_family {
  const char* name;
  const char* type;
  const char* help;
  store_value value;
};

// The twelve of the Go podshare's `prom` package, with the same names and
// meanings (docs/operations.md says where ours differ), then ours.
const store_family store_families[] = {
  {"podshare_writes_local_total", "counter",
   "Write operations invoked on this pod; a batch counts its items.",
   [](const podshare::stats& x) { return x.writes_local; }},
  {"podshare_writes_applied_total", "counter",
   "Entries that changed, by local and remote writes.",
   [](const podshare::stats& x) { return x.writes_applied; }},
  {"podshare_writes_rejected_total", "counter",
   "Writes that lost last-write-wins (remote ones: under the hybrid clock a "
   "local write never loses).",
   [](const podshare::stats& x) { return x.writes_rejected; }},
  {"podshare_reads_total", "counter", "Reads served from the local replica.",
   [](const podshare::stats& x) { return x.reads; }},
  {"podshare_events_dispatched_total", "counter",
   "Events handed to the watchers, once per event however many took it.",
   [](const podshare::stats& x) { return x.events_watched; }},
  {"podshare_watchers_active", "gauge", "Watchers registered now.",
   [](const podshare::stats& x) { return x.watchers_active; }},
  {"podshare_watchers_dropped_total", "counter",
   "Watchers dropped because their buffer was full.",
   [](const podshare::stats& x) { return x.watchers_dropped; }},
  {"podshare_snapshots_total", "counter", "Snapshots persisted.",
   [](const podshare::stats& x) { return x.snapshots; }},
  {"podshare_snapshot_bytes", "gauge", "Size of the last snapshot persisted.",
   [](const podshare::stats& x) { return x.snapshot_bytes; }},
  {"podshare_keys", "gauge", "Live keys.",
   [](const podshare::stats& x) { return x.keys; }},
  {"podshare_tombstones", "gauge", "Tombstones held.",
   [](const podshare::stats& x) { return x.tombstones; }},
  {"podshare_tombstones_gced_total", "counter",
   "Tombstones dropped after their TTL.",
   [](const podshare::stats& x) { return x.tombstones_gced; }},
  {"podshare_watcher_deliveries_total", "counter",
   "Events handed to watchers, once per watcher and event.",
   [](const podshare::stats& x) { return x.events_dispatched; }},
};

void write_stores(writer& out, const std::vector<store_sample>& stores,
                  int64_t now_ns) {
  for (auto& f : store_families)
    out.family(f.name, f.type, f.help, [&](const writer::sample_fn& put) {
      for (auto& s : stores)
        put({{"topic", s.topic}, {"pod", s.pod}},
            static_cast<double>(f.value(s.stats)));
    });
  auto per_origin
    = [&](const std::function<double(const origin_progress&)>& value) {
        return [&, value](const writer::sample_fn& put) {
          for (auto& s : stores)
            for (auto& o : s.origins)
              put({{"topic", s.topic}, {"pod", s.pod}, {"origin", o.origin}},
                  value(o));
        };
      };
  out.family("podshare_origin_newest_write_age_seconds", "gauge",
             "Age of the newest write of each origin applied here: how far "
             "behind this pod is, for an origin that keeps writing.",
             per_origin([&](const origin_progress& o) {
               return static_cast<double>(now_ns - o.newest) / 1e9;
             }));
  out.family("podshare_origin_writes_applied_total", "counter",
             "Writes of each origin applied here.",
             per_origin([](const origin_progress& o) {
               return static_cast<double>(o.applied);
             }));
}

void write_transports(writer& out,
                      const std::vector<transport_sample>& transports) {
  auto per_transport =
    [&](const std::function<double(const transport_status&)>& value) {
      return [&, value](const writer::sample_fn& put) {
        for (auto& t : transports)
          put({{"pod", t.pod}, {"transport", t.status.kind}}, value(t.status));
      };
    };
  out.family("podshare_transport_ready", "gauge",
             "1 while the transport can replicate (connected; for p2p a "
             "session, or no peer configured), else 0.",
             per_transport(
               [](const transport_status& x) { return x.ready ? 1.0 : 0.0; }));
  out.family("podshare_transport_reconnects_total", "counter",
             "Connections (p2p: sessions) established again after one was "
             "lost.",
             per_transport([](const transport_status& x) {
               return static_cast<double>(x.reconnects);
             }));
  out.family("podshare_transport_publish_failures_total", "counter",
             "Publishes the transport could not take.",
             per_transport([](const transport_status& x) {
               return static_cast<double>(x.publish_failures);
             }));
  out.family("podshare_transport_peers_dropped_total", "counter",
             "Peers dropped because they could not keep up.",
             per_transport([](const transport_status& x) {
               return static_cast<double>(x.peers_dropped);
             }));
  out.family("podshare_transport_snapshot_fetch_seconds", "summary",
             "Time to fetch a snapshot from the transport (p2p: from the "
             "peers).",
             [&](const writer::sample_fn&) {
               for (auto& t : transports) {
                 labels ls{{"pod", t.pod}, {"transport", t.status.kind}};
                 out.sample("podshare_transport_snapshot_fetch_seconds_sum", ls,
                            static_cast<double>(t.status.snapshot_fetch_ns)
                              / 1e9);
                 out.sample("podshare_transport_snapshot_fetch_seconds_count",
                            ls, static_cast<double>(t.status.snapshot_fetches));
               }
             });
  using peer_value = double (*)(const peer_status&);
  auto per_peer = [&](peer_value value) {
    return [&, value](const writer::sample_fn& put) {
      for (auto& t : transports)
        for (auto& p : t.status.peers)
          put({{"pod", t.pod}, {"peer", p.name.empty() ? p.endpoint : p.name}},
              value(p));
    };
  };
  out.family(
    "podshare_peer_connected", "gauge",
    "1 while a session with the peer runs, else 0.",
    per_peer([](const peer_status& p) { return p.connected ? 1.0 : 0.0; }));
  out.family("podshare_peer_messages_received_total", "counter",
             "Published messages received from the peer in this session.",
             per_peer([](const peer_status& p) {
               return static_cast<double>(p.messages_in);
             }));
  out.family("podshare_peer_messages_sent_total", "counter",
             "Published messages sent to the peer in this session.",
             per_peer([](const peer_status& p) {
               return static_cast<double>(p.messages_out);
             }));
  out.family("podshare_peer_messages_relayed_total", "counter",
             "Of the messages sent to the peer, those relayed for another "
             "origin.",
             per_peer([](const peer_status& p) {
               return static_cast<double>(p.relayed_out);
             }));
  out.family("podshare_peer_received_bytes_total", "counter",
             "Payload bytes received from the peer in this session.",
             per_peer([](const peer_status& p) {
               return static_cast<double>(p.bytes_in);
             }));
  out.family("podshare_peer_sent_bytes_total", "counter",
             "Payload bytes sent to the peer in this session.",
             per_peer([](const peer_status& p) {
               return static_cast<double>(p.bytes_out);
             }));
  out.family("podshare_peer_queued_messages", "gauge",
             "Messages held for the peer: queued, or sent and not yet "
             "acknowledged.",
             per_peer([](const peer_status& p) {
               return static_cast<double>(p.queued);
             }));
}

} // namespace

std::string render(const std::vector<store_sample>& stores,
                   const std::vector<transport_sample>& transports,
                   int64_t now_ns) {
  writer out;
  write_stores(out, stores, now_ns);
  write_transports(out, transports);
  return out.take();
}

} // namespace podshare::metrics
