#include "report/transcript.hpp"

#include "report/smtp_text.hpp"
#include "rules/literal_scanner.hpp"
#include "util/text.hpp"

#include <algorithm>

namespace bouncekit::detail {

std::optional<transcript_entry> read_transcript_entry(std::string_view line) {
  line = trim(line);
  if (line.substr(0, 3) == "<<<" || line.substr(0, 3) == ">>>") return std::nullopt;
  // every entry has its "..." (most lines have none: they are passed without looking for a status code)
  if (line.find("...") == std::string_view::npos) return std::nullopt;
  std::string_view rest = line;
  if (rest.size() > 4 && is_digit(rest[0]) && is_digit(rest[1]) && is_digit(rest[2]) && rest[3] == ' ')
    rest = trim(rest.substr(4));
  const std::size_t space = rest.find(' ');
  const std::string status = find_status_code(rest.substr(0, space));
  if (!status.empty() && rest.rfind(status, 0) == 0 && space != std::string_view::npos) rest = trim(rest.substr(space));
  std::size_t end = 0;
  if (!rest.empty() && rest.front() == '<') {
    end = rest.find('>');
    if (end == std::string_view::npos || rest.substr(0, end).find(' ') != std::string_view::npos) return std::nullopt;
    ++end;
  } else {
    while (end < rest.size() && !is_space(rest[end]) && rest.compare(end, 3, "...") != 0) ++end;
    if (end == 0) return std::nullopt;
    // a host's line names its mailer: "example.org (smtp)..."
    if (rest.compare(end, 2, " (") == 0) {
      const std::size_t close = rest.find(')', end);
      if (close == std::string_view::npos || rest.substr(end + 2, close - end - 2).find(' ') != std::string_view::npos)
        return std::nullopt;
      end = close + 1;
    }
  }
  if (rest.compare(end, 3, "...") != 0) return std::nullopt;
  // an address or a host with its mailer, not a word trailing off ("Retrying...")
  const std::string_view target = rest.substr(0, end);
  if (target.front() != '<' && target.back() != ')' && target.find('@') == std::string_view::npos) return std::nullopt;
  return transcript_entry{target, trim(rest.substr(end + 3))};
}

bool starts_transcript_entry(std::string_view line) {
  line = trim(line);
  return line.substr(0, 3) == "<<<" || line.substr(0, 3) == ">>>" || line.substr(0, 5) == "-----" ||
         istarts_with(line, "while talking to ") || istarts_with(line, "... while talking to ") ||
         read_transcript_entry(line).has_value();
}

bool says_only_session_failed(std::string_view text) {
  text = trim(text);
  if (istarts_with(text, "deferred")) {
    text = trim(text.substr(8));
    if (!text.empty() && text.front() == ':') text = trim(text.substr(1));
  }
  if (!find_reply_code(text.substr(0, 4)).empty() && text.size() <= 4) return true;  // "Deferred: 421"
  if (text.empty()) return true;
  static const literal_scanner generic{"remote protocol error", "protocol error", "connection reset",
                                       "connection closed",     "lost connection", "service unavailable",
                                       "i/o error",             "input/output error"};
  const literal_scanner::hit hit = generic.first(text);
  return hit.begin == 0 && find_reply_code(text).empty() && find_status_code(text).empty();
}

bool is_server_line(std::string_view line) { return trim(line).substr(0, 3) == "<<<"; }

namespace {

// "<<< 552-5.7.0 first": a server reply line that more lines of the same reply follow.
bool continues_server_reply(std::string_view line) {
  const std::string_view reply = trim(trim(line).substr(3));
  return is_server_line(line) && reply.size() > 4 && is_digit(reply[0]) && is_digit(reply[1]) && is_digit(reply[2]) &&
         reply[3] == '-';
}

}  // namespace

std::string server_reply_around(const std::vector<std::string_view>& lines, std::size_t at, std::size_t begin,
                                std::size_t& first) {
  first = at;
  while (first > begin && continues_server_reply(lines[first - 1])) --first;
  std::size_t last = at;
  while (continues_server_reply(lines[last]) && last + 1 < lines.size() && is_server_line(lines[last + 1])) ++last;
  std::vector<std::string_view> reply;
  for (std::size_t j = first; j <= last; ++j) reply.push_back(trim(trim(lines[j]).substr(3)));
  return join_reply_lines(reply);
}

server_reply last_server_reply(const std::vector<std::string_view>& lines, std::size_t begin, std::size_t end) {
  server_reply out;
  std::size_t last = end;
  for (std::size_t j = end; j-- > begin;)
    if (is_server_line(lines[j])) {
      last = j;
      break;
    }
  if (last == end) return out;
  std::size_t first = last;
  out.text = server_reply_around(lines, last, begin, first);
  const std::string code = find_reply_code(out.text.substr(0, std::min<std::size_t>(out.text.size(), 4)));
  if (code.empty() || code[0] == '2' || code[0] == '3') {
    out.text.clear();
    return out;
  }
  out.says_why = std::any_of(out.text.begin(), out.text.end(), [](char c) { return is_alpha(c); });
  for (std::size_t j = first; j-- > begin;)
    if (trim(lines[j]).substr(0, 3) == ">>>") {
      out.command_line = std::string(trim(lines[j]));
      break;
    }
  return out;
}

std::size_t own_transcript_line(const std::vector<std::string_view>& lines, std::size_t from, std::size_t limit,
                                const std::string& address) {
  for (std::size_t j = from; j < lines.size() && j < from + limit; ++j) {
    if (lines[j].find('@') == std::string_view::npos) continue;
    if (const auto entry = read_transcript_entry(lines[j]); entry && iequals(normalise_address(entry->target), address))
      return j;
  }
  return std::string_view::npos;
}

std::size_t transcript_window_begin(const std::vector<std::string_view>& lines, std::size_t own) {
  for (std::size_t j = own; j-- > 0 && own - j <= 200;) {
    const std::string_view l = trim(lines[j]);
    if (l.empty() || l.substr(0, 5) == "-----") return j + 1;
    if (istarts_with(l, "while talking to ") || istarts_with(l, "... while talking to ")) return j;
    if (l.find('@') != std::string_view::npos)
      if (const auto entry = read_transcript_entry(l); entry && entry->target.find('@') != std::string_view::npos)
        return j + 1;
  }
  return own > 200 ? own - 200 : 0;
}

}  // namespace bouncekit::detail
