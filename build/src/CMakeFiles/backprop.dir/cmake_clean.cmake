file(REMOVE_RECURSE
  "CMakeFiles/backprop.dir/activation.cpp.o"
  "CMakeFiles/backprop.dir/activation.cpp.o.d"
  "CMakeFiles/backprop.dir/dense.cpp.o"
  "CMakeFiles/backprop.dir/dense.cpp.o.d"
  "CMakeFiles/backprop.dir/gradcheck.cpp.o"
  "CMakeFiles/backprop.dir/gradcheck.cpp.o.d"
  "CMakeFiles/backprop.dir/init.cpp.o"
  "CMakeFiles/backprop.dir/init.cpp.o.d"
  "CMakeFiles/backprop.dir/kernels/activation.cpp.o"
  "CMakeFiles/backprop.dir/kernels/activation.cpp.o.d"
  "CMakeFiles/backprop.dir/kernels/dense.cpp.o"
  "CMakeFiles/backprop.dir/kernels/dense.cpp.o.d"
  "CMakeFiles/backprop.dir/kernels/loss.cpp.o"
  "CMakeFiles/backprop.dir/kernels/loss.cpp.o.d"
  "CMakeFiles/backprop.dir/loss.cpp.o"
  "CMakeFiles/backprop.dir/loss.cpp.o.d"
  "CMakeFiles/backprop.dir/network.cpp.o"
  "CMakeFiles/backprop.dir/network.cpp.o.d"
  "CMakeFiles/backprop.dir/seed.cpp.o"
  "CMakeFiles/backprop.dir/seed.cpp.o.d"
  "CMakeFiles/backprop.dir/sgd.cpp.o"
  "CMakeFiles/backprop.dir/sgd.cpp.o.d"
  "libbackprop.a"
  "libbackprop.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/backprop.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
