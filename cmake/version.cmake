# The version lives in one place: project(VERSION) in the top CMakeLists.txt. This file turns it,
# and the git revision of the source tree (captured when CMake configures; "unknown" outside a
# git checkout or without git), into generated headers:
#   <build>/include/backprop/version.hpp   public and installed: BACKPROP_VERSION, _MAJOR, ...
#   <build>/generated/build_info.hpp       the CLI's: the version and the revision
find_package(Git QUIET)
set(BACKPROP_GIT_REVISION "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} describe --always --dirty --abbrev=12
                  OUTPUT_VARIABLE _bp_rev OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _bp_rev_rc ERROR_QUIET)
  if(_bp_rev_rc EQUAL 0 AND NOT _bp_rev STREQUAL "")
    set(BACKPROP_GIT_REVISION "${_bp_rev}")
  endif()
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/version.hpp.in
               ${PROJECT_BINARY_DIR}/include/backprop/version.hpp @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/build_info.hpp.in
               ${PROJECT_BINARY_DIR}/generated/build_info.hpp @ONLY)
