#pragma once

#include "podshare/detail/epoch.hpp"
#include "podshare/detail/hamt.hpp"
#include "podshare/detail/ordered_index.hpp"
#include "podshare/detail/origin_table.hpp"
#include "podshare/key_range.hpp"
#include "podshare/record.hpp"
#include "podshare/replica_observer.hpp"
#include "podshare/value_ops.hpp"
#include "podshare/version.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace podshare {

/// The local replica of one topic's map. The store actor is its only writer;
/// any thread reads it without locks and without waiting for the writer.
///
/// The writer stages changes and then publishes them with one atomic store,
/// so a reader sees a whole batch or none of it. What it publishes is a
/// `state`: the map by hash (for `get`), the same records in key order (for
/// ranges), the store's revision and each observer's derived state, all of
/// one batch. Readers traverse a published state inside an epoch read; what
/// the writer unlinks is freed two epochs later, when no reader can still
/// reach it.
///
/// Each entry is one `record`: key, version and the decoded value in a
/// single allocation, laid out as `layout` says.
class replica {
public:
  /// A replica of values of `layout`; `ordered` keeps the entries in key
  /// order too, which `for_range` otherwise gets by scanning and sorting.
  explicit replica(value_layout layout, bool ordered = true);
  replica(const replica&) = delete;
  replica& operator=(const replica&) = delete;
  ~replica();

  /// Hashes a key the way the replica does.
  static uint64_t hash(std::string_view key) {
    return std::hash<std::string_view>{}(key);
  }

  /// What the writer publishes at once.
  struct state {
    detail::node_ref map = 0;
    const detail::ordered_index::node* sorted = nullptr;
    uint64_t revision = 0;
    std::vector<std::shared_ptr<const void>> derived;
    /// Whether `sorted` holds the map; if not, ranges scan `map`.
    bool ordered = true;
  };

  // -- reading (any thread) -------------------------------------------------

  /// Calls `f(const record*)` with the published entry of `key` (null when
  /// absent) and returns what `f` returns. The entry lives until `f` returns.
  template <class F>
  decltype(auto) read(std::string_view key, F&& f) const {
    detail::read_guard guard;
    return f(detail::hamt::find(published()->map, hash(key), key));
  }

  /// Calls `f(const record&)` for every published entry, tombstones
  /// included, all from one consistent state.
  template <class F>
  void for_each(F&& f) const {
    detail::read_guard guard;
    detail::hamt::for_each(published()->map, f);
  }

  /// Calls `f(const record&)` for each published entry, tombstones
  /// included, whose key is at least `from` and below `to` (no bound when
  /// `to` is empty), in key order, until `f` returns false.
  template <class F>
  void for_range(std::string_view from, std::string_view to, F&& f) const {
    detail::read_guard guard;
    range_of(*published(), from, to, f);
  }

  /// One published state, read on the calling thread for as long as the
  /// view lives: every read through it sees the same batch.
  class view {
  public:
    explicit view(const replica& r) : state_(r.published()) {}
    view(const view&) = delete;
    view& operator=(const view&) = delete;

    const record* find(std::string_view key) const {
      return detail::hamt::find(state_->map, hash(key), key);
    }

    template <class F>
    void for_range(std::string_view from, std::string_view to, F&& f) const {
      range_of(*state_, from, to, f);
    }

    /// The store revision the state reflects.
    uint64_t revision() const noexcept { return state_->revision; }

    /// The derived state of observer `id` (see `add_observer`).
    const void* derived(size_t id) const {
      return id < state_->derived.size() ? state_->derived[id].get() : nullptr;
    }

  private:
    // Entered before the state is loaded (members initialise in order).
    detail::read_guard guard_;
    const state* state_;
  };

  /// A consistent state of a replica that stays readable on any thread, for
  /// as long as the view lives (a snapshot build, a GC scan). Holding one
  /// delays freeing what the writer unlinks meanwhile.
  class pinned_view {
  public:
    pinned_view(std::shared_ptr<const replica> owner);
    pinned_view(pinned_view&& other) noexcept;
    pinned_view& operator=(pinned_view&&) = delete;
    ~pinned_view();

    /// Calls `f(const record&)` for every entry of the pinned state, in no
    /// particular order.
    template <class F>
    void for_each(F&& f) const {
      detail::hamt::for_each(state_->map, f);
    }

    /// As `for_each`, in key order when the replica keeps one: a snapshot
    /// written in key order is one a late joiner indexes by appending
    /// (docs/architecture.md, "Snapshots in key order").
    template <class F>
    void for_each_in_key_order(F&& f) const {
      if (!state_->ordered) {
        for_each(f);
        return;
      }
      detail::ordered_index::for_range(state_->sorted, {}, {},
                                       [&f](const record& x) {
                                         f(x);
                                         return true;
                                       });
    }

  private:
    std::shared_ptr<const replica> owner_;
    detail::epoch_domain::slot* slot_;
    const state* state_;
  };

  // -- writing (the store actor only) ---------------------------------------

  /// Returns the writer's entry for `key`, staged changes included.
  const record* find(std::string_view key) const {
    return detail::hamt::find(trie_.root(), hash(key), key);
  }

  /// Readies the cache for finding and writing the keys of `items` (each
  /// with a `key` member), which pays when the map outgrows the cache: a
  /// lookup in a map of 200,000 keys waits on several cache misses.
  template <class Items>
  void prefetch(const Items& items) {
    if (items.size() < 2)
      return; // a lone lookup walks the same path as the prefetch would
    prefetch_hashes_.clear();
    for (const auto& x : items)
      prefetch_hashes_.push_back(hash(x.key));
    detail::hamt::prefetch(trie_.root(), prefetch_hashes_, prefetch_cursors_);
  }

  /// Stages the entry of `key`: `value` (of the replica's value type),
  /// copied or moved as `transfer` says, written at `v`, or a tombstone when
  /// `value` is null. `raw`, if given, are encoded bytes to keep beside the
  /// value (record::raw_value).
  void put(std::string_view key, const version& v, const void* value,
           const bytes* raw = nullptr,
           value_transfer transfer = value_transfer::copy);

  /// The layout of the replica's values.
  const value_layout& layout() const noexcept { return layout_; }

  /// Stages the removal of `key` (tombstone GC); returns whether it was
  /// there.
  bool remove(std::string_view key);

  /// Folds the staged changes into each observer's state, makes them all
  /// visible to readers at once, at store revision `revision`, and frees
  /// what readers can no longer reach.
  void publish(uint64_t revision);

  /// Publishes at the revision published last.
  void publish() { publish(revision_); }

  /// Adds an observer whose state starts as `initial` with every live entry
  /// folded in; readers see it from the next `publish`. Returns its id for
  /// `view::derived`. Observers stay until the replica goes.
  size_t add_observer(std::shared_ptr<replica_observer> observer,
                      const std::shared_ptr<const void>& initial);

  /// Live entries in the writer's state.
  size_t live_count() const noexcept { return live_; }

  /// Tombstones in the writer's state.
  size_t tombstone_count() const noexcept { return tombstones_; }

  /// Distinct writer node ids held, freed ones excluded.
  size_t origin_count() const noexcept { return origins_.size(); }

private:
  const state* published() const {
    return published_.load(std::memory_order_seq_cst);
  }

  template <class F>
  static void range_of(const state& s, std::string_view from,
                       std::string_view to, F& f) {
    if (s.ordered) {
      detail::ordered_index::for_range(s.sorted, from, to, f);
      return;
    }
    std::vector<const record*> found;
    detail::hamt::for_each(s.map, [&](const record& x) {
      if (in_range(x.key(), from, to))
        found.push_back(&x);
    });
    std::sort(found.begin(), found.end(), [](const record* x, const record* y) {
      return x->key() < y->key();
    });
    for (auto* x : found)
      if (!f(*x))
        return;
  }

  void count(const record& x, int delta);
  void stage(const record* before, const record* after);
  void fold_staged();
  void reclaim();
  static void release_record(void* leaf, void* self);

  // Declared before the trie: destroying the trie releases its records.
  value_layout layout_;
  detail::origin_table origins_;
  detail::hamt trie_;
  detail::ordered_index sorted_;
  bool ordered_;
  std::atomic<const state*> published_;
  uint64_t revision_ = 0;
  std::vector<std::shared_ptr<replica_observer>> observers_;
  // The writer's observer states, as of the last publish.
  std::vector<std::shared_ptr<const void>> derived_;
  // Changes since the last publish, kept while there are observers.
  std::vector<replica_change> staged_;
  // Garbage by the epoch it was unlinked in, oldest first.
  std::deque<std::pair<uint64_t, std::vector<detail::garbage>>> limbo_;
  size_t live_ = 0;
  size_t tombstones_ = 0;
  // Scratch space of `prefetch`, kept between batches.
  std::vector<uint64_t> prefetch_hashes_;
  std::vector<detail::node_ref> prefetch_cursors_;
};

} // namespace podshare
