#pragma once

#include "podshare/replica.hpp"
#include "podshare/replica_observer.hpp"

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace podshare {

/// One change as an observer of a store of `T` values sees it.
template <class T>
struct observed_change {
  std::string_view key;
  /// The live value the key had; null if it had none.
  const T* before;
  /// The live value the key has now; null once it is deleted.
  const T* after;
};

/// Folds one change into derived state of type `D`.
template <class T, class D>
using fold_function = std::function<void(D& state, const observed_change<T>&)>;

namespace detail {

/// Applies a typed fold to a replica's batches. Each batch folds into a
/// copy of the state, which readers then see beside the map: keep the state
/// small, or make it a persistent structure that copies cheaply.
template <class T, class D>
class typed_observer : public replica_observer {
public:
  explicit typed_observer(fold_function<T, D> fold) : fold_(std::move(fold)) {}

  std::shared_ptr<const void>
  fold(const std::shared_ptr<const void>& state,
       const std::vector<replica_change>& changes) override {
    if (failed_.load(std::memory_order_acquire))
      return state;
    try {
      auto next = std::make_shared<D>(*static_cast<const D*>(state.get()));
      for (auto& x : changes)
        fold_(*next, {x.key, value_of(x.before), value_of(x.after)});
      return next;
    } catch (const std::exception& e) {
      fail(e.what());
    } catch (...) {
      fail("unknown exception");
    }
    return state;
  }

  /// Why the fold stopped following the map; empty while it follows.
  std::string failure() const {
    if (!failed_.load(std::memory_order_acquire))
      return {};
    std::lock_guard<std::mutex> guard{mtx_};
    return failure_;
  }

private:
  static const T* value_of(const record* x) {
    return x == nullptr ? nullptr : &x->value_as<T>();
  }

  void fail(std::string why) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      failure_ = std::move(why);
    }
    failed_.store(true, std::memory_order_release);
  }

  fold_function<T, D> fold_;
  std::atomic<bool> failed_{false};
  mutable std::mutex mtx_;
  std::string failure_;
};

} // namespace detail

/// Derived state a store keeps in step with its map (store<T>::observe).
/// Read it through a `store_view`, beside the map it was folded from.
template <class D>
class observer {
public:
  /// The replica whose views hold this observer's state.
  const replica* owner() const noexcept { return owner_; }

  /// Its id in the replica's views.
  size_t id() const noexcept { return id_; }

  /// Why the fold stopped following the map (it threw): the state stays as
  /// it was before that batch. Empty while all is well.
  std::string failure() const { return failure_(); }

  observer(const replica* owner, size_t id, std::function<std::string()> why)
    : owner_(owner), id_(id), failure_(std::move(why)) {}

private:
  const replica* owner_;
  size_t id_;
  std::function<std::string()> failure_;
};

} // namespace podshare
