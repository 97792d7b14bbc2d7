// Which MTA or provider wrote a plain-text bounce: the `format` field of a text bounce.
#pragma once

#include "report/evidence.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

// The format name of the first marker (in table order) found in the first 8 KB of `text` or in the headers,
// or "text".
std::string detect_mta_format(const message_view& view, std::string_view text);

// How far into the text the markers are looked for.
constexpr std::size_t format_marker_window = 8192;

// The markers looked for in the text, in the order of precedence: for a reader that finds them in the same scan
// as its own phrases.
const std::vector<std::string>& format_text_markers();

// detect_mta_format with the text's markers already found: `lowest_text_marker` is the smallest index into
// format_text_markers() of those occurring in the first format_marker_window bytes of `text`, or npos.
std::string detect_mta_format(const message_view& view, std::string_view text, std::size_t lowest_text_marker);

}  // namespace bouncekit::detail
