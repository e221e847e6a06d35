# Every third-party package podshare builds on; docs/dependencies.md says why
# each one is there. All come from Debian 12 (scripts/setup installs them).
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CAF 0.17 REQUIRED)
# libmsgpack-dev's config would be found first and is the C library only.
find_package(msgpackc-cxx CONFIG REQUIRED CONFIGS msgpack-config.cmake)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
# Debian's hiredis config sets variables, not a target; it needs the version.
find_package(Hiredis 0.14 REQUIRED)

if(PODSHARE_BUILD_HTTP)
  # libcivetweb-dev's CMake files import the civetweb program of another
  # package: find the library and its header directly.
  find_path(CIVETWEB_INCLUDE_DIR civetweb.h REQUIRED)
  find_library(CIVETWEB_LIBRARY civetweb REQUIRED)
endif()
