# Compiler flags shared by every podshare target: warnings (errors in CI) and
# the sanitizer selected with PODSHARE_SANITIZERS.
add_library(podshare_flags INTERFACE)
target_compile_options(podshare_flags INTERFACE -Wall -Wextra -Wpedantic)
if(PODSHARE_WERROR)
  target_compile_options(podshare_flags INTERFACE -Werror)
endif()
if(PODSHARE_SANITIZERS)
  target_compile_options(podshare_flags INTERFACE
    -fsanitize=${PODSHARE_SANITIZERS} -fno-omit-frame-pointer)
  target_link_options(podshare_flags INTERFACE
    -fsanitize=${PODSHARE_SANITIZERS})
endif()

# Adds a podshare library target: sources from its folder, public headers
# from the same folder, warnings and sanitizers applied. Its header check
# covers the headers under HEADER_DIR (default podshare) but those matching
# HEADER_EXCLUDE, for folders that hold more than one target.
function(podshare_add_library name)
  cmake_parse_arguments(arg "" "HEADER_DIR;HEADER_EXCLUDE" "SOURCES;DEPENDS"
                        ${ARGN})
  if(NOT arg_HEADER_DIR)
    set(arg_HEADER_DIR podshare)
  endif()
  add_library(${name} ${arg_SOURCES})
  add_library(podshare::${name} ALIAS ${name})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:include>)
  target_link_libraries(${name} PUBLIC ${arg_DEPENDS}
                        PRIVATE $<BUILD_INTERFACE:podshare_flags>)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(PODSHARE_CHECK_HEADERS)
    podshare_check_headers(${name} "${arg_HEADER_DIR}" "${arg_HEADER_EXCLUDE}")
  endif()
endfunction()
