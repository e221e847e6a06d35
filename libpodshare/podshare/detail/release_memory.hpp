#pragma once

#include <cstddef>

namespace podshare::detail {

/// Snapshots at least this large are followed by `release_free_memory`.
constexpr size_t release_after_bytes = size_t{1} << 20;

/// Hands the pages of freed heap memory back to the operating system.
///
/// Why: a snapshot build, merge or load allocates several times the map for
/// a moment, on whichever threads ran it. glibc keeps freed memory in each
/// thread's arena and returns only what sits at an arena's top, so a pod
/// kept most of such a peak as resident memory for good (operations.md,
/// "Sizing"). `malloc_trim(0)` returns the free pages of every arena. It is
/// a no-op elsewhere than glibc.
void release_free_memory();

} // namespace podshare::detail
