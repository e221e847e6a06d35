#include "podshare/watch.hpp"

#include "podshare/key_range.hpp"

#include <algorithm>

namespace podshare {

bool watch_filter::matches(const event& x) const {
  switch (what) {
    case kind::all: return true;
    case kind::key: return x.key == text;
    case kind::prefix: return x.key.compare(0, text.size(), text) == 0;
    case kind::predicate: return predicate && predicate(x);
    case kind::range: return in_range(x.key, text, to);
  }
  return false;
}

const char* to_string(watch_end x) {
  switch (x) {
    case watch_end::cancelled: return "cancelled";
    case watch_end::dropped: return "dropped";
    case watch_end::closed: return "closed";
  }
  return "unknown";
}

size_t watch_queue::try_push(std::vector<event>&& events) {
  size_t added = 0;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (ended_)
      return 0;
    added = std::min(events.size(), capacity_ - size_);
    if (added == 0)
      return 0;
    events.resize(added);
    batches_.push_back(std::move(events));
    size_ += added;
  }
  cv_.notify_one();
  return added;
}

void watch_queue::end(watch_end why) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (ended_)
      return;
    ended_ = why;
  }
  cv_.notify_one();
}

watch_item watch_queue::next(caf::timespan timeout) {
  // A batch read to its end is freed after the lock is released.
  std::vector<event> spent;
  std::unique_lock<std::mutex> guard{mtx_};
  auto ready = [this] { return size_ > 0 || ended_.has_value(); };
  if (!cv_.wait_for(guard, timeout, ready))
    return std::monostate{};
  if (size_ == 0)
    return *ended_;
  auto& front = batches_.front();
  auto x = std::move(front[read_++]);
  --size_;
  if (read_ == front.size()) {
    spent = std::move(front);
    batches_.pop_front();
    read_ = 0;
  }
  return x;
}

size_t watch_queue::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return size_;
}

} // namespace podshare
