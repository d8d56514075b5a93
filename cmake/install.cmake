# Installing backprop (cmake --install), its CMake package and pkg-config file, and the Debian
# package (cpack -G DEB). README "Installing" shows how another project uses them; the `package`
# tests (tests/package/package_test.sh) check all of it against an install in a temporary prefix.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS backprop EXPORT backpropTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS backprop-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/backprop ${PROJECT_BINARY_DIR}/include/backprop
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")

set(bp_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/backprop)
install(EXPORT backpropTargets NAMESPACE backprop:: DESTINATION ${bp_cmake_dir})
if(NOT BUILD_SHARED_LIBS)
  set(BUILD_SHARED_LIBS OFF)  # spelled out in backpropConfig.cmake
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/backpropConfig.cmake.in
  ${PROJECT_BINARY_DIR}/backpropConfig.cmake INSTALL_DESTINATION ${bp_cmake_dir})
# 0.x: a minor version may break the API, so 0.2 is satisfied by 0.2.* only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/backpropConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/backpropConfig.cmake
              ${PROJECT_BINARY_DIR}/backpropConfigVersion.cmake DESTINATION ${bp_cmake_dir})

# pkg-config: relocatable (prefix from the .pc file's own place), so an install with
# `cmake --install --prefix DIR` works wherever DIR is. A static library needs its dependencies
# on the consumer's link line, so they are public requirements then.
string(REGEX REPLACE "[^/]+" ".." BACKPROP_PC_UP "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
set(bp_pc_deps "openblas zlib")
if(BACKPROP_MPI)
  string(APPEND bp_pc_deps " ompi-cxx")  # Open MPI's own .pc file (libopenmpi-dev)
endif()
if(BUILD_SHARED_LIBS)
  set(BACKPROP_PC_REQUIRES "")
  set(BACKPROP_PC_REQUIRES_PRIVATE "${bp_pc_deps}")
else()
  set(BACKPROP_PC_REQUIRES "${bp_pc_deps}")
  set(BACKPROP_PC_REQUIRES_PRIVATE "")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/backprop.pc.in ${PROJECT_BINARY_DIR}/backprop.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/backprop.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# cpack -G DEB: one package with the CLI, the library, its headers and its package files.
set(CPACK_PACKAGE_NAME backprop)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "backprop maintainers <backprop@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the CLI's shared libraries (dpkg-shlibdeps, dpkg-dev)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nlohmann-json3-dev, libopenblas-dev, zlib1g-dev, pkg-config")
include(CPack)
