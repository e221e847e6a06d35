#define CAF_SUITE libpodshare.configure

#include "podshare/configure.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/settings.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>

using namespace podshare;

namespace {

template <class T>
T setting(const caf::actor_system_config& cfg, caf::string_view name,
          T fallback) {
  return caf::get_or(cfg, name, fallback);
}

// A request round trip from a plain thread: the workers of `cfg` run.
bool answers(caf::actor_system_config& cfg) {
  caf::actor_system sys{cfg};
  auto echo = sys.spawn(
    []() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  caf::scoped_actor self{sys};
  int result = 0;
  self->request(echo, std::chrono::seconds{10}, 41)
    .receive([&](int x) { result = x; }, [](caf::error&) {});
  return result == 42;
}

} // namespace

CAF_TEST(on demand skips the sleep steps and steals every millisecond) {
  caf::actor_system_config cfg;
  configure(cfg, scheduling::on_demand);
  CAF_CHECK_EQUAL(
    setting(cfg, "work-stealing.moderate-poll-attempts", size_t{500}), 0u);
  CAF_CHECK_EQUAL(
    setting(cfg, "work-stealing.relaxed-sleep-duration", caf::timespan{0}),
    caf::timespan{std::chrono::milliseconds{1}});
  CAF_CHECK(answers(cfg));
}

CAF_TEST(responsive polls longer and the default changes nothing) {
  caf::actor_system_config responsive;
  configure(responsive, scheduling::responsive);
  CAF_CHECK_EQUAL(
    setting(responsive, "work-stealing.aggressive-poll-attempts", size_t{100}),
    20000u);
  CAF_CHECK(answers(responsive));
  // CAF's default: the same worker settings as a configuration podshare
  // never touched.
  caf::actor_system_config by_default;
  configure(by_default);
  caf::actor_system_config untouched;
  for (auto key : {"work-stealing.aggressive-poll-attempts",
                   "work-stealing.moderate-poll-attempts"})
    CAF_CHECK_EQUAL(setting(by_default, key, size_t{12345}),
                    setting(untouched, key, size_t{12345}));
  CAF_CHECK_EQUAL(setting(by_default, "work-stealing.relaxed-sleep-duration",
                          caf::timespan{12345}),
                  setting(untouched, "work-stealing.relaxed-sleep-duration",
                          caf::timespan{12345}));
}
