#define CAF_SUITE libpodshare.error

#include "podshare/error.hpp"

#include "podshare/configure.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

using namespace podshare;

CAF_TEST(every code has a name) {
  for (uint8_t code = 0; code <= static_cast<uint8_t>(ec::ingest_overrun);
       ++code)
    CAF_CHECK_NOT_EQUAL(std::string{to_string(static_cast<ec>(code))},
                        "unknown");
}

CAF_TEST(describe names the code and carries the reason) {
  auto err = caf::make_error(ec::broadcast_failed, "redis is down");
  CAF_CHECK_EQUAL(describe(err), "podshare: broadcast_failed (redis is down)");
  CAF_CHECK_EQUAL(describe(caf::make_error(ec::closed)), "podshare: closed");
}

CAF_TEST(no error is described rather than crashing) {
  CAF_CHECK_EQUAL(describe(caf::error{}), "none");
  CAF_CHECK_EQUAL(reason_of(caf::error{}), "none");
}

CAF_TEST(a configured actor system renders podshare errors by name) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto text = sys.render(caf::make_error(ec::seed_on_non_empty_store, "t"));
  CAF_CHECK_EQUAL(text, "podshare: seed_on_non_empty_store (t)");
}
