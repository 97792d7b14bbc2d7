// Which MTA or provider wrote a plain-text bounce: the `format` field of a text bounce.
#pragma once

#include "report/evidence.hpp"

#include <string>
#include <string_view>

namespace bouncekit::detail {

// The format name of the first marker (in table order) found in the first 8 KB of `text` or in the headers,
// or "text".
std::string detect_mta_format(const message_view& view, std::string_view text);

}  // namespace bouncekit::detail
