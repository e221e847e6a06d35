// The store's own work per write, with no actor around it: `set` on a
// store's state (stamp, group-commit encoding, trie write, publish) for
// batches the way the facade builds them. Set beside the pipelined rows,
// it splits their cost into the store's work and everything else (messages,
// scheduling, the facade's encoding).

#include "common.hpp"

#include "podshare/actors/store.hpp"

#include <memory>

namespace podshare::bench {

namespace {

// The keys of the p2p benchmark's stores when it writes its last batches.
constexpr int64_t large_key_count = 200000;

// A store's state as `spawn_store` sets it up, without the actor; with
// `options::ordered_reads` as `ordered` says.
std::unique_ptr<actors::store_state> detached_state(bool ordered) {
  auto values = std::make_shared<const value_ops>(
    make_value_ops<std::string, msgpack_codec<std::string>>());
  options opts;
  opts.node_id = "0123456789abcdef01234567";
  opts.wall_clock = system_wall_clock();
  auto st = std::make_unique<actors::store_state>();
  st->init({"store_work",
            {},
            values,
            opts,
            std::make_shared<replica>(values->layout, ordered),
            std::make_shared<detail::counters>()});
  return st;
}

// What `store::set_many` hands the store for `keys[first, first + n)`.
std::vector<write_item> facade_batch(const std::vector<std::string>& keys,
                                     size_t first, size_t n) {
  std::vector<write_item> items;
  items.reserve(n);
  for (size_t i = first; i < first + n; ++i) {
    auto value = make_value(i);
    items.push_back(write_item{keys[i % keys.size()],
                               *msgpack_codec<std::string>::encode(value),
                               make_erased<std::string>(std::move(value))});
  }
  return items;
}

// `set` of `range(0)` items into a store of `range(1)` keys, then the group
// commit's hand-over of the encoded batch, as the actor does it. The larger
// map no longer fits the caches, as in the p2p benchmark's stores.
// `range(2)` is `options::ordered_reads`.
void store_work_set_batch(benchmark::State& state) {
  auto st = detached_state(state.range(2) != 0);
  const auto keys = make_keys(static_cast<size_t>(state.range(1)));
  auto n = static_cast<size_t>(state.range(0));
  for (size_t first = 0; first < keys.size(); first += n)
    st->set(facade_batch(keys, first, n));
  size_t first = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto items = facade_batch(keys, first, n);
    first = (first + n) % keys.size();
    state.ResumeTiming();
    auto outcome = st->set(std::move(items));
    if (!outcome)
      state.SkipWithError("set failed");
    st->broadcasts.wait({});
    benchmark::DoNotOptimize(st->broadcasts.take().payload.data());
    --st->broadcasts.in_flight;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations())
                          * state.range(0));
}
BENCHMARK(store_work_set_batch)
  ->Args({1000, key_count, 1})
  ->Args({1000, large_key_count, 1})
  ->Args({1000, key_count, 0});

// The receiving side: `apply_remote` of one batch of `range(0)` writes from
// another pod (decode, check, apply, publish) that overwrite entries of a
// store of `range(1)` keys.
void store_work_apply_remote(benchmark::State& state) {
  auto sender = detached_state(true);
  const auto keys = make_keys(static_cast<size_t>(state.range(1)));
  auto n = static_cast<size_t>(state.range(0));
  // The sender's batches as the wire carries them: a round that fills the
  // receiver, then a round of newer values that the benchmark applies.
  auto round = [&] {
    std::vector<bytes> batches;
    for (size_t first = 0; first < keys.size(); first += n) {
      sender->set(facade_batch(keys, first, n));
      sender->broadcasts.wait({});
      batches.push_back(sender->broadcasts.take().payload);
      --sender->broadcasts.in_flight;
    }
    return batches;
  };
  auto filling = round();
  auto updates = round();
  auto filled_receiver = [&] {
    auto receiver = detached_state(state.range(2) != 0);
    receiver->node_id = "76543210fedcba9876543210";
    for (auto& payload : filling)
      receiver->apply_remote(payload);
    return receiver;
  };
  auto receiver = filled_receiver();
  size_t next = 0;
  for (auto _ : state) {
    if (next == updates.size()) {
      // Each update applies once: again, it would only be rejected.
      state.PauseTiming();
      receiver = filled_receiver();
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(receiver->apply_remote(updates[next++]).size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations())
                          * state.range(0));
}
BENCHMARK(store_work_apply_remote)
  ->Args({1000, key_count, 1})
  ->Args({1000, large_key_count, 1})
  ->Args({1000, key_count, 0});

// The facade's share of `set_many`: encoding a batch of `range(0)` items.
void store_work_facade_batch(benchmark::State& state) {
  const auto& keys = make_keys();
  auto n = static_cast<size_t>(state.range(0));
  size_t first = 0;
  for (auto _ : state) {
    auto items = facade_batch(keys, first, n);
    first = (first + n) % keys.size();
    benchmark::DoNotOptimize(items.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations())
                          * state.range(0));
}
BENCHMARK(store_work_facade_batch)->Arg(1000);

} // namespace

} // namespace podshare::bench
