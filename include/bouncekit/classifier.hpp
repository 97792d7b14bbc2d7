// bouncekit/classifier.hpp — classify one raw message.
//
//   #include <bouncekit/bouncekit.hpp>
//
//   const bouncekit::classifier classifier;                  // built-in rules, compiled once
//   bouncekit::classification result = classifier.classify(raw_message_bytes);
//   if (result.type == bouncekit::message_type::bounce)
//     for (const auto& r : result.recipients)
//       if (r.bounce_class == bouncekit::bounce_class::hard) suppress(r.address);
//
// Build the classifier once and share it: classify() is const and safe to call from many threads at once.
#pragma once

#include <bouncekit/result.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bouncekit {

// Hard limits on what one message may cost. Input over a limit is not an exception: the classification
// carries an `error` naming the limit, and whatever could be read before it is still classified.
struct limits {
  std::size_t max_message_bytes = 64u << 20;      // whole raw message
  std::size_t max_header_line_bytes = 1u << 20;   // one (unfolded) header line
  std::size_t max_mime_depth = 32;                // nesting of multiparts and message/rfc822
  std::size_t max_parts = 1000;                   // MIME parts in one message
  std::size_t max_recipients = 10000;             // recipients reported for one message
  std::size_t max_decoded_bytes = 64u << 20;      // decoded text of all parts together
};

// Thrown only while building a classifier from rule files: names the file, the line or rule id, and what is
// wrong with it (for a regex: the PCRE2 message and offset).
class rule_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
class engine;
}

// A compiled bounce classifier. Construction loads and compiles the rules (the built-in set, or a directory
// of rule files that replaces it); after that the object is immutable. Copies share the compiled rules.
class classifier {
 public:
  // The rules compiled into the library. Throws rule_error only if the built-in rules are broken (a build bug).
  explicit classifier(const limits& limits = {});

  // Replace the built-in rules with every *.toml file in `rules_dir`. Throws rule_error for a bad file.
  static classifier from_directory(const std::filesystem::path& rules_dir, const limits& limits = {});

  // Classify one raw RFC 5322 message (any line endings). Never throws for bad input: malformed mail gives
  // an `error`, warnings, or an `unrecognized` verdict. Thread-safe. The result's `source` is left empty.
  classification classify(std::string_view raw_message) const noexcept;

  // Number of rules loaded (for diagnostics and `rules list`).
  std::size_t rule_count() const noexcept;

  const bouncekit::limits& limits() const noexcept;

 private:
  explicit classifier(std::shared_ptr<const detail::engine> engine);
  std::shared_ptr<const detail::engine> engine_;
};

}  // namespace bouncekit
