# BACKPROP_SANITIZE=address,undefined builds everything with those sanitizers; UB aborts the test.
if(BACKPROP_SANITIZE)
  add_compile_options(-fsanitize=${BACKPROP_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${BACKPROP_SANITIZE})
endif()
