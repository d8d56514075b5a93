
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/activation.cpp" "src/CMakeFiles/backprop.dir/activation.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/activation.cpp.o.d"
  "/work/main/src/dense.cpp" "src/CMakeFiles/backprop.dir/dense.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/dense.cpp.o.d"
  "/work/main/src/gradcheck.cpp" "src/CMakeFiles/backprop.dir/gradcheck.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/gradcheck.cpp.o.d"
  "/work/main/src/init.cpp" "src/CMakeFiles/backprop.dir/init.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/init.cpp.o.d"
  "/work/main/src/kernels/activation.cpp" "src/CMakeFiles/backprop.dir/kernels/activation.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/kernels/activation.cpp.o.d"
  "/work/main/src/kernels/dense.cpp" "src/CMakeFiles/backprop.dir/kernels/dense.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/kernels/dense.cpp.o.d"
  "/work/main/src/kernels/loss.cpp" "src/CMakeFiles/backprop.dir/kernels/loss.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/kernels/loss.cpp.o.d"
  "/work/main/src/loss.cpp" "src/CMakeFiles/backprop.dir/loss.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/loss.cpp.o.d"
  "/work/main/src/network.cpp" "src/CMakeFiles/backprop.dir/network.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/network.cpp.o.d"
  "/work/main/src/seed.cpp" "src/CMakeFiles/backprop.dir/seed.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/seed.cpp.o.d"
  "/work/main/src/sgd.cpp" "src/CMakeFiles/backprop.dir/sgd.cpp.o" "gcc" "src/CMakeFiles/backprop.dir/sgd.cpp.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
