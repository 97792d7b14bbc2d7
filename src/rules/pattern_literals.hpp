// What every match of a rule pattern must contain, worked out from the pattern itself: sets of strings of
// which at least one each occurs (ASCII case-insensitively) in any text the pattern matches. The rule prefilter
// uses it to skip a rule's patterns whose strings are absent, so a rule that names "recipient" among its
// literals does not run all its patterns on every text that says "recipient" (the FilteredRE2 idea, one
// level down).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

// Sets of lower-case strings, each string at least `min_length` bytes: every match of the pattern contains
// a string of each set. Empty when the pattern promises nothing of the kind (a construct this reader does not
// follow, or only optional parts, classes and wildcards where the strings would be).
// With `with_caseless_free`, the strings may hold kana, CJK ideographs and Hangul syllables, which caseless
// matching leaves as they are (a Japanese rule's words); else only ASCII.
std::vector<std::vector<std::string>> required_literals(std::string_view pattern, std::size_t min_length = 3,
                                                       bool with_caseless_free = false);

// The single bytes a pattern needs, for a check cheaper than a run: a "(" the scanner's literals do not hold,
// or a Japanese word in a text of ASCII only.
constexpr char non_ascii_mark = '\x80';
struct byte_requirements {
  // Sets of alternatives: every match contains all the bytes of one alternative of each set. The bytes are
  // neither letters nor beyond ASCII, so each matches only itself.
  std::vector<std::vector<std::string>> sets;
  // Every match contains a character beyond ASCII (one that matches no ASCII character caselessly).
  bool non_ascii = false;
};
byte_requirements required_bytes(std::string_view pattern);

}  // namespace bouncekit::detail
