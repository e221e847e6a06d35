#define CAF_SUITE libpodshare.coord.membership

#include "podshare/coord/member.hpp"

#include "podshare/codec.hpp"
#include "podshare/coord/rendezvous.hpp"

#include "fixture.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace podshare;
using namespace podshare::coord;
using namespace podshare::testing;
using namespace std::chrono_literals;

namespace {

using json_codec_t = json_codec<nlohmann::json>;

struct fixture : store_fixture {
  fixture() { topic = "podshare:members"; }

  // The members heartbeat forever, and the base fixture runs every timer
  // when it ends: they go first.
  ~fixture() override {
    for (auto& m : members)
      caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
    consume_messages();
  }

  std::vector<membership_actor> members;

  // Opens `name`'s presence store and spawns the member on it; `skew`
  // moves its store's wall clock.
  membership_actor join(const std::string& name,
                        caf::timespan skew = caf::timespan{0}) {
    auto opts = make_options(name);
    auto now = clock.now;
    opts.wall_clock = [now, skew] { return now->load() + skew.count(); };
    auto presence
      = open_with(name, opts, make_value_ops<nlohmann::json, json_codec_t>());
    membership_config cfg;
    cfg.name = name;
    cfg.ttl = 10s;
    cfg.heartbeat = 2500ms;
    cfg.settle = 2500ms;
    cfg.generation = "gen-" + name;
    auto member = spawn_member(sys, presence, cfg);
    members.push_back(member);
    consume_messages();
    return member;
  }

  // Lets `total` pass in heartbeat-sized steps, so that every timer fires
  // as often as it would.
  void pass_steps(caf::timespan total) {
    for (caf::timespan passed{0}; passed < total; passed += 500ms)
      pass(500ms);
  }

  std::vector<std::string> live(const membership_actor& m) {
    auto x = call<std::vector<std::string>>(m, get_atom::value);
    CAF_REQUIRE(x);
    return *x;
  }

  std::vector<uint32_t> held(const membership_actor& m) {
    auto x
      = call<std::vector<uint32_t>>(m, get_atom::value, ownership_atom::value);
    CAF_REQUIRE(x);
    return *x;
  }

  // Every partition held by exactly one of `members`, and as the balanced
  // assignment of `names` says.
  void check_one_owner_each(const std::vector<membership_actor>& members,
                            const std::vector<std::string>& names) {
    std::map<uint32_t, std::string> by;
    auto owners = assign(names);
    for (size_t i = 0; i < members.size(); ++i)
      for (auto p : held(members[i])) {
        CAF_CHECK(by.emplace(p, names[i]).second);
        CAF_CHECK_EQUAL(owners[p], names[i]);
      }
    CAF_CHECK_EQUAL(by.size(), 256u);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(membership_tests, fixture)

CAF_TEST(three members see each other and split the partitions) {
  auto a = join("a");
  auto b = join("b");
  auto c = join("c");
  pass_steps(3s);
  std::vector<std::string> all{"a", "b", "c"};
  CAF_CHECK_EQUAL(live(a), all);
  CAF_CHECK_EQUAL(live(c), all);
  check_one_owner_each({a, b, c}, all);
}

CAF_TEST(a gained partition waits for its settle time) {
  auto a = join("a");
  // Alone, a owns everything, but takes it only once settled.
  CAF_CHECK(held(a).empty());
  pass_steps(2500ms);
  CAF_CHECK_EQUAL(held(a).size(), 256u);
  auto b = join("b");
  // a gives b's share up as soon as it hears b; b takes it after settling.
  CAF_CHECK_EQUAL(held(a), owned_partitions("a", {"a", "b"}));
  CAF_CHECK(held(b).empty());
  pass_steps(2500ms);
  check_one_owner_each({a, b}, {"a", "b"});
}

CAF_TEST(a member that stops heartbeating is dropped after the ttl) {
  auto a = join("a");
  auto b = join("b");
  auto c = join("c");
  pass_steps(3s);
  anon_send_exit(c, caf::exit_reason::kill);
  consume_messages();
  // c's last heartbeat stays in the map; it counts until the TTL passed.
  pass_steps(7s);
  CAF_CHECK_EQUAL(live(a), std::vector<std::string>({"a", "b", "c"}));
  pass_steps(3500ms);
  CAF_CHECK_EQUAL(live(a), std::vector<std::string>({"a", "b"}));
  CAF_CHECK_EQUAL(live(b), std::vector<std::string>({"a", "b"}));
  // Within TTL + heartbeat + settle of the kill, the survivors own all.
  pass_steps(2500ms);
  check_one_owner_each({a, b}, {"a", "b"});
}

CAF_TEST(a member that leaves is dropped at once) {
  auto a = join("a");
  auto b = join("b");
  pass_steps(3s);
  CAF_CHECK(call<ok_atom>(b, leave_atom::value));
  CAF_CHECK_EQUAL(live(a), std::vector<std::string>({"a"}));
  pass_steps(2500ms);
  CAF_CHECK_EQUAL(held(a).size(), 256u);
}

CAF_TEST(clock skew does not make a live member look dead) {
  // c's clock runs an hour behind: its heartbeats carry old timestamps,
  // but liveness counts when they arrive.
  auto a = join("a");
  auto c = join("c", -std::chrono::hours{1});
  pass_steps(30s);
  CAF_CHECK_EQUAL(live(a), std::vector<std::string>({"a", "c"}));
  auto ahead = join("d", std::chrono::hours{1});
  pass_steps(30s);
  CAF_CHECK_EQUAL(live(a), std::vector<std::string>({"a", "c", "d"}));
  CAF_CHECK_EQUAL(live(ahead), std::vector<std::string>({"a", "c", "d"}));
}

CAF_TEST(a listener hears what is held then every change in order) {
  auto a = join("a");
  pass_steps(3s);
  auto heard = std::make_shared<std::vector<ownership_change>>();
  auto listener = sys.spawn([heard](ownership_listener_actor::pointer)
                              -> ownership_listener_actor::behavior_type {
    return {
      [heard](ownership_atom, const ownership_change& x) {
        heard->push_back(x);
      },
    };
  });
  anon_send(a, watch_atom::value, listener);
  consume_messages();
  CAF_REQUIRE_EQUAL(heard->size(), 1u);
  CAF_CHECK_EQUAL(heard->front().acquired.size(), 256u);
  auto b = join("b");
  CAF_REQUIRE_EQUAL(heard->size(), 2u);
  CAF_CHECK_EQUAL(heard->back().lost, owned_partitions("b", {"a", "b"}));
  CAF_CHECK(heard->back().acquired.empty());
  CAF_CHECK_EQUAL(heard->back().live, std::vector<std::string>({"a", "b"}));
  anon_send_exit(listener, caf::exit_reason::kill);
  CAF_CHECK(call<ok_atom>(b, leave_atom::value));
  pass_steps(3s);
}

CAF_TEST_FIXTURE_SCOPE_END()
