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

// Calls `sink` for every message under `path` ("-" = standard input), in a stable order. Returns false when
// the path itself cannot be read (the error is also passed to `sink` as a record).
bool read_inputs(const std::string& path, std::size_t max_message_bytes,
                 const std::function<void(input_message&&)>& sink);

}  // namespace bouncekit::cli
