// Uses an installed podshare the way an application would: one store on a
// memory transport, one write, one read. Exits 0 when the value comes back.
#include "podshare/configure.hpp"
#include "podshare/error.hpp"
#include "podshare/net/memory/spawn.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <cstdio>
#include <string>

namespace {

int check(caf::actor_system& sys, const podshare::transport_actor& transport) {
  auto s = podshare::store<std::string>::open(sys, "consumer", transport);
  if (!s) {
    std::printf("open failed: %s\n", podshare::describe(s.error()).c_str());
    return 1;
  }
  if (auto v = s->set("greeting", "hello"); !v) {
    std::printf("set failed: %s\n", podshare::describe(v.error()).c_str());
    return 1;
  }
  auto got = s->get("greeting");
  if (!got || *got != "hello") {
    std::printf("get returned %s\n", got ? got->c_str() : "nothing");
    return 1;
  }
  if (auto err = s->close()) {
    std::printf("close failed: %s\n", podshare::describe(err).c_str());
    return 1;
  }
  std::printf("consumer: installed podshare works (greeting = %s)\n",
              got->c_str());
  return 0;
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  // Registers podshare's error category, so that sys.render(err) names codes.
  podshare::configure(cfg);
  caf::actor_system sys{cfg};
  auto transport = podshare::net::spawn_memory_transport(sys);
  auto rc = check(sys, transport);
  caf::anon_send(transport, caf::close_atom::value);
  return rc;
}
