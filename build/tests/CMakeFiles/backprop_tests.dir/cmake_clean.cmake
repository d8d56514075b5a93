file(REMOVE_RECURSE
  "CMakeFiles/backprop_tests.dir/test_activation.cpp.o"
  "CMakeFiles/backprop_tests.dir/test_activation.cpp.o.d"
  "backprop_tests"
  "backprop_tests.pdb"
  "backprop_tests[1]_tests.cmake"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/backprop_tests.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
