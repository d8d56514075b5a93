# BACKPROP_BUILD_FUZZ=ON: the libFuzzer targets under fuzz/ (docs/fuzzing.md). Needs clang
# (CC=clang CXX=clang++; Debian's clang-14 with libclang-rt-14-dev). Everything else is built with
# coverage instrumentation and ASan + UBSan, so the readers the targets call are instrumented.
if(BACKPROP_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "BACKPROP_BUILD_FUZZ needs clang (libFuzzer), found ${CMAKE_CXX_COMPILER_ID}; "
                        "configure with CC=clang CXX=clang++ in a fresh build directory")
  endif()
  if(BACKPROP_SANITIZE)
    message(FATAL_ERROR "BACKPROP_BUILD_FUZZ already builds with address,undefined; leave BACKPROP_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
