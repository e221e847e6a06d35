# The header self-containment check of the conventions: every public header
# of a podshare library is compiled on its own, twice in one translation
# unit, so a header that leans on what its includer happened to include
# first, or lacks its include guard, fails the build. On with
# PODSHARE_CHECK_HEADERS; scripts/test turns it on in its asan and debug
# steps.

# Adds `<name>_header_check`, an object library of one generated source per
# header under the calling folder's `dir` (e.g. podshare), leaving out the
# headers whose path matches `exclude` (a regex; empty for none), which
# another target of the folder checks.
function(podshare_check_headers name dir exclude)
  file(GLOB_RECURSE headers RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}"
       CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*.hpp")
  if(exclude)
    list(FILTER headers EXCLUDE REGEX "${exclude}")
  endif()
  set(sources)
  foreach(header IN LISTS headers)
    set(source "${CMAKE_CURRENT_BINARY_DIR}/header_check/${header}.cpp")
    file(GENERATE OUTPUT "${source}"
         CONTENT "#include \"${header}\"\n#include \"${header}\"\n")
    list(APPEND sources "${source}")
  endforeach()
  add_library(${name}_header_check OBJECT ${sources})
  target_link_libraries(${name}_header_check PRIVATE ${name} podshare_flags)
endfunction()
