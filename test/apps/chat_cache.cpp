#define CAF_SUITE apps.chat_cache

#include "conversation.hpp"

#include "podshare/configure.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "podshare/store.hpp"
#include "support/eventually.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <rapidcheck.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using chat::conversation;
using chat::message;
using podshare::testing::eventually;

// Few ids and timestamps, so that generated conversations share messages,
// clash on ids and tie on timestamps.
namespace rc {

template <>
struct Arbitrary<message> {
  static Gen<message> arbitrary() {
    return gen::build<message>(
      gen::set(&message::id, gen::elementOf(std::vector<std::string>{
                               "m1", "m2", "m3", "m4", "m5", "m6"})),
      gen::set(&message::author,
               gen::elementOf(std::vector<std::string>{"alice", "bob"})),
      gen::set(&message::timestamp, gen::inRange<int64_t>(0, 4)),
      gen::set(&message::text,
               gen::elementOf(std::vector<std::string>{"hi", "yo", ""})));
  }
};

template <>
struct Arbitrary<conversation> {
  static Gen<conversation> arbitrary() {
    return gen::map(gen::arbitrary<std::vector<message>>(),
                    [](std::vector<message> xs) {
                      return chat::make_conversation(std::move(xs));
                    });
  }
};

} // namespace rc

namespace {

using chat_store = podshare::store<conversation, chat::codec>;

bool sorted_and_unique(const conversation& x) {
  std::set<std::string> ids;
  for (size_t i = 0; i < x.messages.size(); ++i) {
    auto& m = x.messages[i];
    if (!ids.insert(m.id).second)
      return false;
    if (i > 0) {
      auto& prev = x.messages[i - 1];
      if (std::tie(m.timestamp, m.id) < std::tie(prev.timestamp, prev.id))
        return false;
    }
  }
  return true;
}

} // namespace

CAF_TEST(the merger is commutative) {
  CAF_CHECK(rc::check("merge(a, b) == merge(b, a)",
                      [](const conversation& a, const conversation& b) {
                        RC_ASSERT(chat::merge(a, b) == chat::merge(b, a));
                      }));
}

CAF_TEST(the merger is associative) {
  CAF_CHECK(rc::check(
    "merge(merge(a, b), c) == merge(a, merge(b, c))",
    [](const conversation& a, const conversation& b, const conversation& c) {
      RC_ASSERT(chat::merge(chat::merge(a, b), c)
                == chat::merge(a, chat::merge(b, c)));
    }));
}

CAF_TEST(the merger is idempotent) {
  CAF_CHECK(rc::check("merge(a, a) == a", [](const conversation& a) {
    RC_ASSERT(chat::merge(a, a) == a);
  }));
}

CAF_TEST(a merge holds every id once sorted by timestamp and id) {
  CAF_CHECK(rc::check("union of ids, sorted, unique",
                      [](const conversation& a, const conversation& b) {
                        auto m = chat::merge(a, b);
                        RC_ASSERT(sorted_and_unique(m));
                        std::set<std::string> want, got;
                        for (auto* x : {&a, &b})
                          for (auto& msg : x->messages)
                            want.insert(msg.id);
                        for (auto& msg : m.messages)
                          got.insert(msg.id);
                        RC_ASSERT(want == got);
                      }));
}

CAF_TEST(a conversation survives its codec) {
  CAF_CHECK(rc::check("decode(encode(a)) == a", [](const conversation& a) {
    auto bytes = chat::codec::encode(a);
    RC_ASSERT(static_cast<bool>(bytes));
    auto back = chat::codec::decode(bytes->data(), bytes->size());
    RC_ASSERT(static_cast<bool>(back));
    RC_ASSERT(*back == a);
  }));
}

CAF_TEST(two pods appending concurrently end with identical conversations) {
  caf::actor_system_config cfg;
  podshare::configure(cfg);
  caf::actor_system sys{cfg};
  auto transport = podshare::net::spawn_memory_transport(sys);
  auto a = chat_store::open(sys, "chat", transport, {}, chat::merge);
  auto b = chat_store::open(sys, "chat", transport, {}, chat::merge);
  CAF_REQUIRE(a && b);
  constexpr int per_pod = 100;
  // Several conversations, so that many appends race one another.
  const std::vector<std::string> keys{"conv:1", "conv:2", "conv:3"};
  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  auto writer = [&](chat_store& pod, const std::string& name) {
    while (!go.load())
      std::this_thread::yield();
    for (int i = 0; i < per_pod; ++i) {
      auto& key = keys[static_cast<size_t>(i) % keys.size()];
      message m{name + "-" + std::to_string(i), name, i, "text"};
      if (!pod.set(key, chat::make_conversation({m})))
        ++failures;
    }
  };
  std::thread ta{[&] { writer(*a, "a"); }};
  std::thread tb{[&] { writer(*b, "b"); }};
  go = true;
  ta.join();
  tb.join();
  CAF_CHECK_EQUAL(failures.load(), 0);
  // Converged: both pods read the same conversations, holding every message.
  auto converged = eventually([&] {
    size_t total = 0;
    for (auto& key : keys) {
      auto x = a->get(key);
      if (!x || x != b->get(key))
        return false;
      total += x->messages.size();
    }
    return total == static_cast<size_t>(2 * per_pod);
  });
  CAF_CHECK(converged);
  for (auto& key : keys) {
    auto x = a->get(key);
    CAF_CHECK(x && sorted_and_unique(*x));
  }
  CAF_CHECK(!a->close());
  CAF_CHECK(!b->close());
  caf::anon_send(transport, caf::close_atom::value);
}
