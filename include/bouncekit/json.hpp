// bouncekit/json.hpp — JSON form of a classification (SPEC section 3), with nlohmann/json.
//
//   #include <bouncekit/json.hpp>
//   nlohmann::ordered_json j = bouncekit::to_json(result);          // an object
//   std::string line = bouncekit::to_json_line(result);     // one compact line, for JSON-lines output
//
// Kept apart from the other headers so that code that does not want nlohmann/json does not include it.
#pragma once

#include <bouncekit/result.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace bouncekit {

// The SPEC section 3 object. With `explain`, every recipient also gets an "explain" member listing the
// rules that matched, their spans, and why the winner won.
nlohmann::ordered_json to_json(const classification& result, bool explain = false);
nlohmann::ordered_json to_json(const recipient_verdict& recipient, bool explain = false);

// to_json(result).dump() without a trailing newline; invalid UTF-8 is replaced, never thrown on.
std::string to_json_line(const classification& result, bool explain = false);

}  // namespace bouncekit
