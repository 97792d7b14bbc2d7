// Sendmail's "Transcript of session follows": which lines belong to which address, and which server reply
// explains a failure. Used by the plain-text reader (text_bounce.cpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

// A line of a Sendmail transcript that reports one address or one host: "554 <bob@example.org>... Remote
// protocol error", "550 5.1.1 <bob@example.org>... User unknown", "<bob@example.org>... Deferred: 450 ...",
// "bob@example.org... Deferred", "550 example.org (smtp)... 550 Host unknown" (the host's own line).
struct transcript_entry {
  std::string_view target;  // "<bob@example.org>", "bob@example.org", "example.org (smtp)"
  std::string_view text;    // what follows the "..."
};

// The entry a transcript line reports, or nothing when the line is no such entry.
std::optional<transcript_entry> read_transcript_entry(std::string_view line);

// True for a line that starts a new entry of a Sendmail transcript: a server reply or command, a new
// session, a section rule, or another address's or host's line. A diagnostic never runs on into one.
bool starts_transcript_entry(std::string_view line);

// True when an address's own transcript line says only that the session failed, not why: the server's
// reply before it is then the cause ("554 <bob@example.org>... Remote protocol error" after "<<< 550 ...").
bool says_only_session_failed(std::string_view text);

// The last failing server reply ("<<< 550 ...", joined over "<<< 550-" continuation lines) in
// lines[begin, end), and the command it answered (the last ">>>" line before it); empty when none.
struct server_reply {
  std::string text;
  std::string command_line;
  bool says_why = false;  // it has words, not only a code ("<<< 421")
};

server_reply last_server_reply(const std::vector<std::string_view>& lines, std::size_t begin, std::size_t end);

// True for a server reply line ("<<< 550 ...").
bool is_server_line(std::string_view line);

// The whole server reply that lines[at] (a "<<<" line) is part of, joined, without the "<<<" marks; `first`
// is set to its first line.
std::string server_reply_around(const std::vector<std::string_view>& lines, std::size_t at, std::size_t begin,
                                std::size_t& first);

// Where an address's own transcript line is: the first line from `from` on (within `limit` lines) whose
// entry names it; npos when the text is no transcript.
std::size_t own_transcript_line(const std::vector<std::string_view>& lines, std::size_t from, std::size_t limit,
                                const std::string& address);

// Where the transcript lines that belong to the address entry at `own` start: just after the previous
// address's entry, at the last "While talking to" line between them, or at a blank line or section rule.
std::size_t transcript_window_begin(const std::vector<std::string_view>& lines, std::size_t own);

}  // namespace bouncekit::detail
