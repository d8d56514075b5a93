
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tools/backprop/cmd_explain.cpp" "tools/backprop/CMakeFiles/backprop-cli.dir/cmd_explain.cpp.o" "gcc" "tools/backprop/CMakeFiles/backprop-cli.dir/cmd_explain.cpp.o.d"
  "/work/main/tools/backprop/cmd_gradcheck.cpp" "tools/backprop/CMakeFiles/backprop-cli.dir/cmd_gradcheck.cpp.o" "gcc" "tools/backprop/CMakeFiles/backprop-cli.dir/cmd_gradcheck.cpp.o.d"
  "/work/main/tools/backprop/main.cpp" "tools/backprop/CMakeFiles/backprop-cli.dir/main.cpp.o" "gcc" "tools/backprop/CMakeFiles/backprop-cli.dir/main.cpp.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/src/CMakeFiles/backprop.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
