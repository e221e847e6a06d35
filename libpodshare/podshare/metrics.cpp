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

std::string format_value(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", x);
  return buf;
}

using labels = std::vector<std::pair<std::string, std::string>>;

double number(uint64_t x) {
  return static_cast<double>(x);
}

struct store_family {
  const char* name;
  const char* type;
  const char* help;
  uint64_t (*value)(const podshare::stats&);
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
  {"podshare_revision", "gauge",
   "The local revision: changes applied since the store opened.",
   [](const podshare::stats& x) { return x.revision; }},
  {"podshare_gaps_detected_total", "counter",
   "Messages that revealed a lost message of their writer.",
   [](const podshare::stats& x) { return x.gaps_detected; }},
  {"podshare_repairs_requested_total", "counter",
   "Repair requests sent to peers.",
   [](const podshare::stats& x) { return x.repairs_requested; }},
  {"podshare_repairs_answered_total", "counter",
   "Repair requests answered with the difference.",
   [](const podshare::stats& x) { return x.repairs_answered; }},
  {"podshare_repair_entries_sent_total", "counter",
   "Entries sent in repair answers.",
   [](const podshare::stats& x) { return x.repair_entries_sent; }},
  {"podshare_repair_bytes_sent_total", "counter",
   "Bytes of repair answers sent.",
   [](const podshare::stats& x) { return x.repair_bytes_sent; }},
  {"podshare_repairs_full_total", "counter",
   "Repairs that fell back to loading a whole snapshot.",
   [](const podshare::stats& x) { return x.repairs_full; }},
  {"podshare_watcher_deliveries_total", "counter",
   "Events handed to watchers, once per watcher and event.",
   [](const podshare::stats& x) { return x.events_dispatched; }},
};

void collect_stores(std::vector<family>& out,
                    const std::vector<store_sample>& stores, int64_t now_ns) {
  for (auto& f : store_families) {
    family x{f.name, f.help, f.type, {}};
    for (auto& s : stores)
      x.samples.push_back(
        {{{"topic", s.topic}, {"pod", s.pod}}, number(f.value(s.stats)), {}});
    out.push_back(std::move(x));
  }
  auto per_origin
    = [&](const char* name, const char* type, const char* help,
          const std::function<double(const origin_progress&)>& value) {
        family x{name, help, type, {}};
        for (auto& s : stores)
          for (auto& o : s.origins)
            x.samples.push_back(
              {{{"topic", s.topic}, {"pod", s.pod}, {"origin", o.origin}},
               value(o),
               {}});
        out.push_back(std::move(x));
      };
  per_origin("podshare_origin_newest_write_age_seconds", "gauge",
             "Age of the newest write of each origin applied here: how far "
             "behind this pod is, for an origin that keeps writing.",
             [&](const origin_progress& o) {
               return static_cast<double>(now_ns - o.newest) / 1e9;
             });
  per_origin("podshare_origin_writes_applied_total", "counter",
             "Writes of each origin applied here.",
             [](const origin_progress& o) { return number(o.applied); });
}

void collect_transports(std::vector<family>& out,
                        const std::vector<transport_sample>& transports) {
  auto per_transport = [&](const char* name, const char* type, const char* help,
                           double (*value)(const transport_status&)) {
    family x{name, help, type, {}};
    for (auto& t : transports)
      x.samples.push_back(
        {{{"pod", t.pod}, {"transport", t.status.kind}}, value(t.status), {}});
    out.push_back(std::move(x));
  };
  per_transport("podshare_transport_ready", "gauge",
                "1 while the transport can replicate (connected; for p2p a "
                "session, or no peer configured), else 0.",
                [](const transport_status& x) { return x.ready ? 1.0 : 0.0; });
  per_transport("podshare_transport_reconnects_total", "counter",
                "Connections (p2p: sessions) established again after one was "
                "lost.",
                [](const transport_status& x) { return number(x.reconnects); });
  per_transport(
    "podshare_transport_publish_failures_total", "counter",
    "Publishes the transport could not take.",
    [](const transport_status& x) { return number(x.publish_failures); });
  per_transport(
    "podshare_transport_peers_dropped_total", "counter",
    "Peers dropped because they could not keep up.",
    [](const transport_status& x) { return number(x.peers_dropped); });
  per_transport(
    "podshare_transport_ingest_budget_bytes", "gauge",
    "The most received bytes the stores may have yet to handle "
    "before the transport stops reading; 0: not bounded.",
    [](const transport_status& x) { return number(x.ingest.budget); });
  per_transport(
    "podshare_transport_ingest_bytes", "gauge",
    "Received bytes the stores have yet to handle.",
    [](const transport_status& x) { return number(x.ingest.in_flight); });
  per_transport(
    "podshare_transport_ingest_peak_bytes", "gauge",
    "The most received bytes the stores had yet to handle.",
    [](const transport_status& x) { return number(x.ingest.peak); });
  per_transport(
    "podshare_transport_ingest_pauses_total", "counter",
    "Times the transport stopped reading because its ingest budget was "
    "spent.",
    [](const transport_status& x) { return number(x.ingest.pauses); });
  per_transport(
    "podshare_transport_ingest_overruns_total", "counter",
    "Times the source cut the transport off while it was behind its ingest "
    "budget; each lost messages and resynced the stores.",
    [](const transport_status& x) { return number(x.ingest.overruns); });
  family fetches{"podshare_transport_snapshot_fetch_seconds",
                 "Time to fetch a snapshot from the transport (p2p: from the "
                 "peers).",
                 "summary",
                 {}};
  for (auto& t : transports) {
    labels ls{{"pod", t.pod}, {"transport", t.status.kind}};
    fetches.samples.push_back(
      {ls, static_cast<double>(t.status.snapshot_fetch_ns) / 1e9, "_sum"});
    fetches.samples.push_back(
      {ls, number(t.status.snapshot_fetches), "_count"});
  }
  out.push_back(std::move(fetches));
  auto per_peer = [&](const char* name, const char* type, const char* help,
                      double (*value)(const peer_status&)) {
    family x{name, help, type, {}};
    for (auto& t : transports)
      for (auto& p : t.status.peers)
        x.samples.push_back(
          {{{"pod", t.pod}, {"peer", p.name.empty() ? p.endpoint : p.name}},
           value(p),
           {}});
    out.push_back(std::move(x));
  };
  per_peer("podshare_peer_connected", "gauge",
           "1 while a session with the peer runs, else 0.",
           [](const peer_status& p) { return p.connected ? 1.0 : 0.0; });
  per_peer("podshare_peer_messages_received_total", "counter",
           "Published messages received from the peer in this session.",
           [](const peer_status& p) { return number(p.messages_in); });
  per_peer("podshare_peer_messages_sent_total", "counter",
           "Published messages sent to the peer in this session.",
           [](const peer_status& p) { return number(p.messages_out); });
  per_peer("podshare_peer_messages_relayed_total", "counter",
           "Of the messages sent to the peer, those relayed for another "
           "origin.",
           [](const peer_status& p) { return number(p.relayed_out); });
  per_peer("podshare_peer_received_bytes_total", "counter",
           "Payload bytes received from the peer in this session.",
           [](const peer_status& p) { return number(p.bytes_in); });
  per_peer("podshare_peer_sent_bytes_total", "counter",
           "Payload bytes sent to the peer in this session.",
           [](const peer_status& p) { return number(p.bytes_out); });
  per_peer("podshare_peer_queued_messages", "gauge",
           "Messages held for the peer: queued, or sent and not yet "
           "acknowledged.",
           [](const peer_status& p) { return number(p.queued); });
}

} // namespace

std::vector<family> collect(const std::vector<store_sample>& stores,
                            const std::vector<transport_sample>& transports,
                            int64_t now_ns) {
  std::vector<family> out;
  collect_stores(out, stores, now_ns);
  collect_transports(out, transports);
  return out;
}

std::string render(const std::vector<family>& families) {
  std::string out;
  for (auto& f : families) {
    out += "# HELP " + f.name + " " + f.help + "\n";
    out += "# TYPE " + f.name + " " + f.type + "\n";
    for (auto& s : f.samples) {
      out += f.name + s.suffix;
      if (!s.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < s.labels.size(); ++i) {
          if (i > 0)
            out += ',';
          out += s.labels[i].first + "=\"" + escape(s.labels[i].second) + '"';
        }
        out += '}';
      }
      out += ' ' + format_value(s.value) + '\n';
    }
  }
  return out;
}

std::string render(const std::vector<store_sample>& stores,
                   const std::vector<transport_sample>& transports,
                   int64_t now_ns) {
  return render(collect(stores, transports, now_ns));
}

} // namespace podshare::metrics
