#include "podshare/detail/release_memory.hpp"

#if defined(__GLIBC__)
#  include <malloc.h>
#endif

namespace podshare::detail {

void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

} // namespace podshare::detail
