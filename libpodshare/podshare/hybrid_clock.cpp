#include "podshare/hybrid_clock.hpp"

#include <chrono>

namespace podshare {

wall_clock system_wall_clock() {
  return [] {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(system_clock::now().time_since_epoch())
      .count();
  };
}

} // namespace podshare
