# `cmake --install` puts headers, libraries and podshareConfig.cmake in place,
# so that a CAF application writes find_package(podshare) and links
# podshare::podshare.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(podshare_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/podshare")

set(podshare_installed podshare_core podshare_actors podshare_net
                       podshare_coord podshare_callreply podshare)
if(PODSHARE_BUILD_HTTP)
  list(APPEND podshare_installed podshare_http)
endif()
install(TARGETS ${podshare_installed}
        EXPORT podshareTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(dir libpodshare actors net)
  install(DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/${dir}/podshare"
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT podshareTargets NAMESPACE podshare::
        DESTINATION ${podshare_cmake_dir})
configure_package_config_file(
  "${CMAKE_CURRENT_SOURCE_DIR}/cmake/podshareConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/podshareConfig.cmake"
  INSTALL_DESTINATION ${podshare_cmake_dir})
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/podshareConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/podshareConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/podshareConfigVersion.cmake"
              "${CMAKE_CURRENT_SOURCE_DIR}/cmake/FindCAF.cmake"
        DESTINATION ${podshare_cmake_dir})
