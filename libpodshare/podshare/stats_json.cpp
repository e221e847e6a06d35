#include "podshare/stats_json.hpp"

namespace podshare {

void to_json(nlohmann::json& out, const stats& x) {
  out = nlohmann::json{{"writes_local", x.writes_local},
                       {"writes_applied", x.writes_applied},
                       {"writes_rejected", x.writes_rejected},
                       {"reads", x.reads},
                       {"events_dispatched", x.events_dispatched},
                       {"events_watched", x.events_watched},
                       {"watchers_active", x.watchers_active},
                       {"watchers_dropped", x.watchers_dropped},
                       {"snapshots", x.snapshots},
                       {"snapshot_bytes", x.snapshot_bytes},
                       {"keys", x.keys},
                       {"tombstones", x.tombstones},
                       {"tombstones_gced", x.tombstones_gced},
                       {"revision", x.revision},
                       {"gaps_detected", x.gaps_detected},
                       {"repairs_requested", x.repairs_requested},
                       {"repairs_answered", x.repairs_answered},
                       {"repair_entries_sent", x.repair_entries_sent},
                       {"repair_bytes_sent", x.repair_bytes_sent},
                       {"repairs_full", x.repairs_full}};
}

} // namespace podshare
