// Times and durations as text: ISO 8601 instants ("2024-05-01T09:00:00Z") and policy durations ("7d", "1w2d").
#pragma once

#include <bouncekit/ledger.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bouncekit::detail {

// "2024-05-01", "2024-05-01T09:00", "2024-05-01T09:00:00Z", "2024-05-01 09:00:00+02:00", or epoch seconds
// ("1714554000"). No zone means UTC. Empty when it is none of these.
std::optional<ledger_time> parse_time(std::string_view text);

// "2024-05-01T09:00:00Z".
std::string format_time(ledger_time t);

// One or more <number><unit> with units s, m, h, d, w ("90m", "1w2d"). Empty when malformed.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// The shortest exact spelling: "7d", "36h", "90s".
std::string format_duration(std::chrono::seconds d);

}  // namespace bouncekit::detail
