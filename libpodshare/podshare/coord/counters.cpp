#include "podshare/coord/counters.hpp"

#include "podshare/coord/generation.hpp"
#include "podshare/coord/rendezvous.hpp"
#include "podshare/detail/blocking_call.hpp"
#include "podshare/error.hpp"
#include "podshare/hybrid_clock.hpp"
#include "podshare/record.hpp"
#include "podshare/replica.hpp"

#include <caf/actor_cast.hpp>
#include <caf/sec.hpp>

#include <algorithm>
#include <chrono>

namespace podshare::coord {

caf::expected<std::unique_ptr<counters>>
counters::open(caf::actor_system& sys, transport_actor transport,
               counters_options opts) {
  if (opts.horizon <= caf::timespan{0})
    return caf::make_error(ec::invalid_argument,
                           "counters: the horizon must be positive");
  auto horizon_ms
    = std::chrono::duration_cast<std::chrono::milliseconds>(opts.horizon)
        .count();
  auto joined = [horizon_ms](const nlohmann::json& x, const nlohmann::json& y) {
    return counter_value::join(x, y, horizon_ms);
  };
  auto s = json_store::open(sys, opts.topic, transport, opts.store, joined);
  if (!s)
    return std::move(s.error());
  auto writer = opts.writer.empty() ? process_generation() : opts.writer;
  return std::unique_ptr<counters>{new counters(
    sys, std::move(*s), std::move(transport), std::move(opts), writer)};
}

counters::counters(caf::actor_system& sys, json_store store,
                   transport_actor transport, counters_options opts,
                   std::string writer)
  : sys_(&sys), store_(std::move(store)), transport_(std::move(transport)),
    opts_(std::move(opts)), writer_(std::move(writer)) {}

int64_t counters::now_ms() const {
  auto& clock = opts_.store.wall_clock;
  return (clock ? clock() : system_wall_clock()()) / 1000000;
}

caf::expected<int64_t> counters::incr(const std::string& key, uint64_t by) {
  return add(key, by, 0);
}

caf::expected<int64_t> counters::decr(const std::string& key, uint64_t by) {
  return add(key, 0, by);
}

caf::error counters::check_not_folded(const std::string& key) const {
  // A pod that judged this writer dead (partitioned away for longer than
  // its quarantine) folded the slot: every replica would drop what it adds.
  bool folded = false;
  store_.visit(key, [&](const nlohmann::json& x) {
    folded = counter_value::is_folded(x, writer_);
  });
  if (!folded)
    return caf::none;
  return caf::make_error(ec::writer_folded,
                         "counter '" + key + "': slot " + writer_
                           + " was folded by another pod; open counters "
                             "under a new generation");
}

counter_value::slot& counters::totals_of(const std::string& key) {
  auto [mine, fresh] = totals_.try_emplace(key);
  auto& totals = mine->second;
  if (fresh) {
    // A writer id used before (with its data intact) continues from what
    // the replica holds for it; a new generation starts at zero.
    store_.visit(key, [&](const nlohmann::json& x) {
      totals = counter_value::slot_of(x, writer_);
    });
    totals.node = store_.node_id();
  }
  return totals;
}

caf::expected<int64_t> counters::add(const std::string& key, uint64_t incr,
                                     uint64_t decr) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto err = check_not_folded(key))
    return err;
  auto& totals = totals_of(key);
  totals.incr += incr;
  totals.decr += decr;
  totals.written_ms = now_ms();
  if (auto err = write(key, counter_value::with_slot(writer_, totals))) {
    reload_totals(key);
    return err;
  }
  return value(key);
}

void counters::reload_totals(const std::string& key) {
  // The replica holds what applied here: a write that failed before the
  // store took it is not there, one whose broadcast failed is, and the join
  // (the larger per field) would keep it even if the totals went back.
  auto& totals = totals_[key];
  store_.visit(key, [&](const nlohmann::json& x) {
    totals = counter_value::slot_of(x, writer_);
  });
  totals.node = store_.node_id();
}

caf::error counters::write(const std::string& key,
                           const nlohmann::json& value) {
  auto res = store_.set(key, value);
  if (!res)
    return std::move(res.error());
  if (!opts_.wait_for_peers)
    return caf::none;
  auto synced = detail::blocking_call<ok_atom>(
    *sys_, caf::actor_cast<transport_sync_actor>(transport_),
    opts_.store.transport_timeout, sync_atom::value);
  // A transport of someone else's that cannot tell has nothing to wait for.
  if (!synced && synced.error() != caf::sec::unexpected_message)
    return caf::make_error(ec::broadcast_failed,
                           "counted here, not acknowledged by the peers: "
                             + describe(synced.error()));
  return caf::none;
}

int64_t counters::value(const std::string& key) const {
  int64_t result = 0;
  store_.visit(
    key, [&](const nlohmann::json& x) { result = counter_value::value_of(x); });
  return result;
}

uint64_t counters::clamped(const std::string& key) const {
  return static_cast<uint64_t>(std::max<int64_t>(0, value(key)));
}

size_t counters::slots(const std::string& key) const {
  size_t result = 0;
  store_.visit(key, [&](const nlohmann::json& x) {
    result = counter_value::slot_count(x);
  });
  return result;
}

caf::expected<uint64_t> counters::fold(const membership& members,
                                       caf::timespan quarantine) {
  // Without a sure answer nothing folds: an empty live set would make every
  // quiet live writer look dead.
  auto alive = members.live_generations();
  if (!alive)
    return std::move(alive.error());
  alive->push_back(writer_);
  std::sort(alive->begin(), alive->end());
  auto held = members.held();
  if (!held)
    return std::move(held.error());
  auto now = now_ms();
  auto quarantine_ms
    = std::chrono::duration_cast<std::chrono::milliseconds>(quarantine).count();
  // Collects first: a write must not happen inside the replica's read.
  std::map<std::string,
           std::vector<std::pair<std::string, counter_value::slot>>>
    dead;
  store_.map()->for_each([&](const record& x) {
    if (x.tombstone())
      return;
    std::string key{x.key()};
    auto p = partition_of(store_.topic(), key, members.partitions());
    if (!std::binary_search(held->begin(), held->end(), p))
      return;
    auto& value = x.value_as<nlohmann::json>();
    auto slots = value.find("slots");
    if (slots == value.end() || !slots->is_object())
      return;
    for (auto& [g, raw] : slots->items()) {
      auto s = counter_value::slot_of(value, g);
      if (!std::binary_search(alive->begin(), alive->end(), g)
          && now - s.written_ms > quarantine_ms)
        dead[key].emplace_back(g, s);
    }
  });
  uint64_t folded = 0;
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [key, slots] : dead) {
    // A folder whose own slot was folded would fold into a slot every
    // replica drops, and the dead totals would vanish with it.
    if (auto err = check_not_folded(key))
      return err;
    auto& totals = totals_of(key);
    auto update = nlohmann::json{{"slots", nlohmann::json::object()},
                                 {"folded", nlohmann::json::object()}};
    for (auto& [g, s] : slots) {
      totals.incr += s.incr;
      totals.decr += s.decr;
      update["folded"][g] = now;
      ++folded;
    }
    totals.written_ms = now;
    update["slots"] = counter_value::with_slot(writer_, totals)["slots"];
    if (auto err = write(key, update)) {
      reload_totals(key);
      return err;
    }
  }
  return folded;
}

caf::error counters::close() {
  return store_.close();
}

} // namespace podshare::coord
