#define CAF_SUITE net.redis_connection

#include "podshare/net/redis/connection.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/test/unit_test.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <set>
#include <vector>

using namespace podshare::net::redis;

namespace {

// The inode of socket `fd`.
ino_t inode_of(int fd) {
  struct stat st {};
  CAF_REQUIRE_EQUAL(::fstat(fd, &st), 0);
  return st.st_ino;
}

// How many of `sockets` (inodes) this process still has open. Counting them
// rather than all descriptors keeps unrelated ones (a sanitizer's, a
// library's) out of the result.
size_t still_open(const std::set<ino_t>& sockets) {
  size_t n = 0;
  for (auto& entry : std::filesystem::directory_iterator{"/proc/self/fd"}) {
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) == 0 && sockets.count(st.st_ino) > 0)
      ++n;
  }
  return n;
}

struct io_config : caf::actor_system_config {
  io_config() { load<caf::io::middleman>(); }
};

struct fixture {
  // Runs after everything the multiplexer had queued when it was called,
  // including the socket changes of the cycles before.
  void settle_multiplexer() {
    std::promise<void> done;
    sys.middleman().backend().post([&] { done.set_value(); });
    done.get_future().wait();
  }

  io_config cfg;
  caf::actor_system sys{cfg};
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(redis_connection_tests, fixture)

// CAF 0.17 leaked a scribe (and its socket) when a broker adopted it and
// closed it in one multiplexer cycle, as a Redis link torn down at once does.
CAF_TEST(a pipe closed at once releases its socket) {
  auto owner = sys.spawn([]() -> connection_listener::behavior_type {
    return {
      [](podshare::net::connected_atom, uint64_t, int) { return false; },
      [](podshare::net::connect_failed_atom, uint64_t, const caf::error&) {},
      [](dropped_atom, uint64_t, const caf::error&) {},
      [](data_atom, uint64_t, const podshare::bytes&,
         const podshare::ingest_ticket&) {},
    };
  });
  std::set<ino_t> theirs;
  std::vector<int> ours;
  caf::scoped_actor self{sys};
  constexpr int pipes = 20;
  for (int i = 0; i < pipes; ++i) {
    int fds[2];
    CAF_REQUIRE_EQUAL(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ours.push_back(fds[0]);
    theirs.insert(inode_of(fds[1]));
    auto pipe = spawn_pipe(sys, owner, fds[1], static_cast<uint64_t>(i));
    self->monitor(pipe);
    caf::anon_send(pipe, caf::close_atom::value);
  }
  for (int i = 0; i < pipes; ++i)
    self->receive([](const caf::down_msg&) {});
  // Twice: the first may be read from the loop's pipe in the same cycle as
  // the last broker's close, before that cycle's socket changes apply.
  settle_multiplexer();
  settle_multiplexer();
  // The pipes' ends of the socket pairs are closed.
  CAF_CHECK_EQUAL(still_open(theirs), 0u);
  for (auto fd : ours)
    ::close(fd);
  caf::anon_send_exit(owner, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
