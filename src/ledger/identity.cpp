// identify(): a response's identity key and envelope addresses, from its raw bytes.
#include <algorithm>
#include <array>
#include <bouncekit/ledger.hpp>

#include "ledger/sha256.hpp"
#include "util/text.hpp"

namespace bouncekit {

namespace {

// Fields that each delivery hop adds or rewrites: left out of the identity, so the same response delivered by
// two routes (or to two mailboxes) has one identity. An mbox "From " envelope line is left out too.
constexpr std::array<std::string_view, 7> trace_fields = {
    "received", "return-path", "delivered-to", "x-original-to", "envelope-to", "x-envelope-to", "x-delivered-to"};

// Fields that say where the response was delivered to: where a VERP address shows up.
constexpr std::array<std::string_view, 6> envelope_fields = {"to",          "delivered-to",  "x-original-to",
                                                             "envelope-to", "x-envelope-to", "x-delivered-to"};

std::string_view field_name(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  return detail::trim(line.substr(0, colon));
}

bool listed(std::string_view name, auto const& names) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return detail::iequals(n, name); });
}

}  // namespace

message_identity identify(std::string_view raw) {
  message_identity out;
  detail::sha256 hash;
  bool in_headers = true, skipping = false, first = true;
  std::string current_envelope;  // an envelope field being unfolded
  auto finish_envelope = [&] {
    for (std::string& a : detail::find_addresses(current_envelope)) {
      a = detail::ascii_lower(a);
      if (std::find(out.envelope.begin(), out.envelope.end(), a) == out.envelope.end()) out.envelope.push_back(a);
    }
    current_envelope.clear();
  };
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t end = pos;  // (find_first_of would call memchr once per byte here)
    while (end < raw.size() && raw[end] != '\n' && raw[end] != '\r') ++end;
    const std::string_view line = raw.substr(pos, end - pos);
    pos = end;
    if (pos < raw.size() && raw[pos] == '\r') ++pos;  // CRLF, CR and LF end a line alike
    if (pos < raw.size() && raw[pos] == '\n' && (pos == end || raw[pos - 1] == '\r')) ++pos;
    if (first && line.starts_with("From ")) {
      first = false;
      continue;
    }
    first = false;
    if (in_headers) {
      if (line.empty()) {
        in_headers = false;
        finish_envelope();
      } else if (line.front() == ' ' || line.front() == '\t') {  // a continuation of the field before
        if (!current_envelope.empty()) current_envelope.append(line);
        if (skipping) continue;
      } else {
        finish_envelope();
        const std::string_view name = field_name(line);
        skipping = listed(name, trace_fields);
        if (listed(name, envelope_fields)) current_envelope = std::string(line.substr(line.find(':') + 1)) + ' ';
        if (skipping) continue;
      }
    }
    hash.update(line);
    hash.update("\n");
  }
  finish_envelope();
  out.key = "sha256:" + hash.hex_digest();
  return out;
}

}  // namespace bouncekit
