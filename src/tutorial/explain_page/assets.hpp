// Text files compiled into the library (cmake/embed_text.cmake). Internal.
#pragma once

#include <string_view>

namespace bp::assets {

/// src/tutorial/explain_page/explain.html: the page of `backprop explain --format html`, with the marker
/// /*BP_DATA*/ where its JSON data goes.
extern const std::string_view explain_page;

}  // namespace bp::assets
