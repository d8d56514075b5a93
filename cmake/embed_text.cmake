# Turns a text file into a C++ source that defines it as a std::string_view, so that the binary
# carries the file and reads nothing at run time:
#   cmake -DIN=page.html -DOUT=page.cpp -DNAME=explain_page -P embed_text.cmake
# defines bp::assets::<NAME>.
file(READ "${IN}" text)
string(FIND "${text}" ")BPASSET" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains ')BPASSET', the raw string's delimiter")
endif()
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by cmake/embed_text.cmake. Do not edit.\n"
     "#include <string_view>\nnamespace bp::assets {\nextern const std::string_view ${NAME};\n"
     "const std::string_view ${NAME} = R\"BPASSET(${text})BPASSET\";\n}  // namespace bp::assets\n")
file(RENAME "${OUT}.tmp" "${OUT}")
