// Where the CLI's messages come from: files, directories (walked recursively, maildirs included), mbox files
// (split at "From " lines, streamed with constant memory) and standard input.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace bouncekit::cli {

struct input_message {
  std::string source;               // path, or path#N for the N-th message of an mbox (from 1)
  std::string bytes;
  std::optional<std::string> error; // the message could not be read
};

// One thing to read under a command-line path: a file, standard input, or something that cannot be read (then
// `error` is set and becomes that entry's record).
struct input_entry {
  std::string path;
  std::optional<std::string> error;
  bool standard_input = false;
};

// Calls `visit` for every entry under `path` ("-" = standard input): the path itself when it is a file, every
// regular file below it (sorted) when it is a directory. Reads no file. Returns false when something could
// not be listed (that entry is passed to `visit` with its error).
bool list_inputs(const std::string& path, const std::function<void(input_entry&&)>& visit);

// Calls `sink` for every message of one entry: one for a single-message file, one per message of an mbox,
// streamed with constant memory; an entry with an error gives its error record. Returns false when the entry
// could not be read.
bool read_entry(const input_entry& entry, std::size_t max_message_bytes,
                const std::function<void(input_message&&)>& sink);

// Calls `sink` for every message under `path` ("-" = standard input), in a stable order: list_inputs, then
// read_entry for each entry. Returns false when something could not be read (its error is also passed to
// `sink` as a record).
bool read_inputs(const std::string& path, std::size_t max_message_bytes,
                 const std::function<void(input_message&&)>& sink);

}  // namespace bouncekit::cli
