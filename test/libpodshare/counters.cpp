#define CAF_SUITE libpodshare.counters

#include "podshare/detail/counters.hpp"

#include <caf/test/unit_test.hpp>

#include <thread>
#include <vector>

using podshare::detail::striped_counter;

// More threads than owned cells: the late ones share the last cell, and
// exiting threads hand their cells on. No add may be lost either way.
CAF_TEST(a striped counter loses no adds from more threads than cells) {
  striped_counter counter;
  constexpr int rounds = 3;
  constexpr int threads = static_cast<int>(striped_counter::owned_cells) + 9;
  constexpr int adds = 20000;
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&] {
        for (int i = 0; i < adds; ++i)
          counter.add();
      });
    for (auto& worker : workers)
      worker.join();
  }
  CAF_CHECK_EQUAL(counter.load(), uint64_t{rounds} * threads * adds);
}
