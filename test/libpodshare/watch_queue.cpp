#define CAF_SUITE libpodshare.watch_queue

#include "podshare/watch.hpp"

#include "fixture.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

CAF_TEST(batches come out one event at a time in push order) {
  watch_queue q{10};
  CAF_CHECK_EQUAL(q.try_push(events_keyed({"a", "b", "c"})), 3u);
  CAF_CHECK_EQUAL(q.try_push(events_keyed({"d"})), 1u);
  CAF_CHECK_EQUAL(q.try_push({}), 0u);
  CAF_CHECK_EQUAL(q.size(), 4u);
  CAF_CHECK_EQUAL(next_key(q), "a");
  CAF_CHECK_EQUAL(next_key(q), "b");
  // A batch pushed while another is half read comes after it.
  CAF_CHECK_EQUAL(q.try_push(events_keyed({"e", "f"})), 2u);
  for (auto key : {"c", "d", "e", "f"})
    CAF_CHECK_EQUAL(next_key(q), key);
  CAF_CHECK_EQUAL(q.size(), 0u);
  CAF_CHECK_EQUAL(next_key(q), "");
}

CAF_TEST(a batch larger than the room left adds what fits) {
  watch_queue q{4};
  CAF_CHECK_EQUAL(q.try_push(events_keyed({"a", "b", "c"})), 3u);
  CAF_CHECK_EQUAL(q.try_push(events_keyed({"d", "e", "f"})), 1u);
  CAF_CHECK_EQUAL(q.try_push(events_keyed({"g"})), 0u);
  CAF_CHECK_EQUAL(q.size(), 4u);
  CAF_CHECK_EQUAL(next_key(q), "a");
  // Reading makes room again.
  CAF_CHECK_EQUAL(q.try_push(events_keyed({"g", "h"})), 1u);
  for (auto key : {"b", "c", "d", "g"})
    CAF_CHECK_EQUAL(next_key(q), key);
}

CAF_TEST(the end comes after the buffered events and refuses more) {
  watch_queue q{4};
  q.try_push(events_keyed({"a", "b"}));
  q.end(watch_end::dropped);
  CAF_CHECK_EQUAL(q.try_push(events_keyed({"c"})), 0u);
  CAF_CHECK_EQUAL(next_key(q), "a");
  CAF_CHECK_EQUAL(next_key(q), "b");
  CAF_CHECK_EQUAL(next_key(q), "end:dropped");
  CAF_CHECK_EQUAL(next_key(q), "end:dropped");
}

CAF_TEST(a consumer waiting on another thread gets every event in order) {
  watch_queue q{1000};
  std::vector<std::string> seen;
  std::thread consumer{[&] {
    for (;;) {
      auto item = q.next(10s);
      if (auto* x = std::get_if<event>(&item))
        seen.push_back(x->key);
      else
        return;
    }
  }};
  std::vector<std::string> expected;
  for (int batch = 0; batch < 50; ++batch) {
    std::vector<std::string> keys;
    for (int i = 0; i < 7; ++i)
      keys.push_back(std::to_string(batch) + "/" + std::to_string(i));
    expected.insert(expected.end(), keys.begin(), keys.end());
    CAF_CHECK_EQUAL(q.try_push(events_keyed(keys)), keys.size());
  }
  q.end(watch_end::closed);
  consumer.join();
  CAF_CHECK_EQUAL(seen, expected);
}
