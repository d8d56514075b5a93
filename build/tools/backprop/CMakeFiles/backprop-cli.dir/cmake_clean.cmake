file(REMOVE_RECURSE
  "CMakeFiles/backprop-cli.dir/cmd_explain.cpp.o"
  "CMakeFiles/backprop-cli.dir/cmd_explain.cpp.o.d"
  "CMakeFiles/backprop-cli.dir/cmd_gradcheck.cpp.o"
  "CMakeFiles/backprop-cli.dir/cmd_gradcheck.cpp.o.d"
  "CMakeFiles/backprop-cli.dir/main.cpp.o"
  "CMakeFiles/backprop-cli.dir/main.cpp.o.d"
  "backprop"
  "backprop.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/backprop-cli.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
