#include "engine.hpp"
#include "mime/mime_message.hpp"
#include "report/evidence.hpp"
#include "report/report_marks.hpp"
#include "rules/embedded_rules.hpp"
#include "rules/verdict.hpp"
#include "util/text.hpp"

#include <bouncekit/classifier.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>
#include <unordered_map>

namespace bouncekit {

namespace detail {

std::vector<rule_source> builtin_rule_sources() {
  std::vector<rule_source> out;
  for (const embedded_rule_file& f : embedded_rule_files()) out.push_back({std::string(f.name), std::string(f.text)});
  return out;
}

std::vector<rule_source> directory_rule_sources(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw rule_error(fmt::format("{}: not a directory", dir.string()));
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  if (ec) throw rule_error(fmt::format("{}: {}", dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  std::vector<rule_source> out;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw rule_error(fmt::format("{}: cannot read", path.string()));
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back({path.filename().string(), text.str()});
  }
  if (out.empty()) throw rule_error(fmt::format("{}: no *.toml rule files", dir.string()));
  return out;
}

namespace {

// Addresses compared in any case; mostly they are written alike, and one memcmp tells it at a fraction of the
// cost of iequals' loop over the bytes.
bool same_address(std::string_view a, std::string_view b) noexcept { return a == b || iequals(a, b); }

// Fills empty DSN fields from what the MTA's text says about the same recipient. Indexed by lower-cased
// address, so a report listing 100,000 recipients stays linear (a nested loop took a minute). The text report
// is dropped after: when the DSN names one recipient (nearly every one), no other can want the text record it
// reads, and its strings are moved instead of copied.
void enrich_from_text(report& dsn, report& text) {
  // a report names a recipient or two: those are compared directly, without building the index
  constexpr std::size_t indexed_from = 8;
  const std::size_t none = text.recipients.size();
  std::unordered_map<std::string, std::size_t> first_by_address;  // lower-cased address -> first text record
  if (none >= indexed_from) {
    first_by_address.reserve(none);
    for (std::size_t i = 0; i < none; ++i) first_by_address.emplace(ascii_lower(text.recipients[i].address), i);
  }
  auto lookup = [&](std::string_view address) {
    if (none < indexed_from) {
      for (std::size_t i = 0; i < none; ++i)
        if (same_address(text.recipients[i].address, address)) return i;
      return none;
    }
    const auto it = first_by_address.find(ascii_lower(address));
    return it == first_by_address.end() ? none : it->second;
  };
  const bool only_reader = dsn.recipients.size() == 1;
  const auto take = [only_reader](auto& to, auto& from) {
    if (only_reader) to = std::move(from);
    else to = from;
  };
  for (recipient_evidence& r : dsn.recipients) {
    // the earliest text record naming either the final or the original recipient
    std::size_t index = lookup(r.address);
    if (r.original_recipient) index = std::min(index, lookup(*r.original_recipient));
    if (index == none) continue;
    recipient_evidence& t = text.recipients[index];
    if (!r.diagnostic && t.diagnostic) {
      take(r.diagnostic, t.diagnostic);
      r.diagnostic_valid_utf8 = t.diagnostic_valid_utf8;
    }
    if (!r.reply_code && t.reply_code) take(r.reply_code, t.reply_code);
    if (!r.smtp_command && t.smtp_command) take(r.smtp_command, t.smtp_command);
    if (!r.remote_mta && t.remote_mta) take(r.remote_mta, t.remote_mta);
    if ((!r.status || is_generic_status(*r.status)) && t.status) take(r.status, t.status);
    if (!t.extra_text.empty()) take(r.extra_text.empty() ? r.extra_text : r.more_extra_text, t.extra_text);
    if (!r.context) take(r.context, t.context);
  }
}

// One record per address: later blocks for the same address fill what earlier ones left empty. Linear (a
// hash index by lower-cased address): a crafted report may list 100,000 recipients. The records kept are
// moved to the front of the vector itself, not to a new one: nearly every report has one or two.
void merge_duplicates(std::vector<recipient_evidence>& recipients) {
  constexpr std::size_t indexed_from = 8;  // fewer (nearly every report) are compared directly
  const std::size_t count = recipients.size();
  if (count < 2) return;
  std::unordered_map<std::string, std::size_t> index_of;  // lower-cased address -> index of its kept record
  if (count >= indexed_from) index_of.reserve(count);
  std::size_t kept = 0;  // recipients[0, kept) are the records kept; those read past them are spent (moved from)
  for (std::size_t i = 0; i < count; ++i) {
    recipient_evidence& r = recipients[i];
    std::size_t slot = kept;
    if (count < indexed_from) {
      for (std::size_t k = 0; k < kept; ++k)
        if (same_address(recipients[k].address, r.address)) {
          slot = k;
          break;
        }
    } else {
      slot = index_of.emplace(ascii_lower(r.address), kept).first->second;
    }
    if (slot == kept) {
      if (i != kept) recipients[kept] = std::move(r);
      ++kept;
      continue;
    }
    recipient_evidence& first = recipients[slot];
    if (!first.diagnostic) {
      first.diagnostic = std::move(r.diagnostic);
      first.diagnostic_valid_utf8 = r.diagnostic_valid_utf8;
    }
    if (!first.status) first.status = std::move(r.status);
    if (!first.reply_code) first.reply_code = std::move(r.reply_code);
  }
  recipients.erase(recipients.begin() + static_cast<std::ptrdiff_t>(kept), recipients.end());
}

// A verdict decide() builds straight into the vector's storage: emplace_back() converts this to the element
// it constructs, and the verdict returned is that element (C++17's guaranteed elision), where push_back() moved
// a finished verdict of some twenty members (~300 instructions) and destroyed the moved-from one. The evidence's
// strings move into the verdict: the report is dropped after.
struct verdict_of {
  const rule_set& rules;
  recipient_evidence& evidence;
  report& rep;
  bool last;  // the report's last recipient: its own strings may move too
  operator recipient_verdict() const { return decide(rules, std::move(evidence), rep, last); }
};

// The parts of the last message this thread classified, kept for the next message (recycle_parts()): a
// bounce's five or so parts of ~240 bytes each take a block too big for malloc's per-thread cache, and its slow
// path cost about 850 instructions a message, and as much again to free it; each part's header list takes a
// block of its own. A classify() that runs while another is under way on the same thread finds the slot empty
// and allocates as before.
thread_local std::vector<mime_part> spare_parts;

// Hands the message's parts back to the thread when the classification ends, by return or by throw.
class parts_return {
 public:
  explicit parts_return(std::vector<mime_part>& parts) noexcept : parts_(parts) {}
  parts_return(const parts_return&) = delete;
  parts_return& operator=(const parts_return&) = delete;
  ~parts_return() {
    if (spare_parts.capacity() == 0 && recycle_parts(parts_)) spare_parts = std::move(parts_);
  }

 private:
  std::vector<mime_part>& parts_;
};

// read_text_bounce(), with the diagnostics of the records it adds marked valid UTF-8: it repairs each one
// where it fills it (sanitize_utf8 unless known valid), and the rules need not check them again.
bool read_text_bounce_marked(const message_view& view, report& out) {
  const std::size_t first = out.recipients.size();
  const bool found = read_text_bounce(view, out);
  for (std::size_t i = first; i < out.recipients.size(); ++i) out.recipients[i].diagnostic_valid_utf8 = true;
  return found;
}

}  // namespace

report read_report(const message_view& view) {
  report rep;
  lazy_report_marks marks(view.text);  // one pass over the text for both readers
  if (!read_arf(view, rep, marks) && !read_ses_json(view, rep)) {
    if (read_dsn(view, rep, marks)) {
      report text;
      if (read_text_bounce_marked(view, text)) {
        enrich_from_text(rep, text);
        if (rep.recipients.empty()) rep = std::move(text);
        else rep.format = text.format != "text" ? text.format : rep.format;
      }
    } else if (!read_auto_reply(view, rep)) {
      read_text_bounce_marked(view, rep);
    }
  }
  merge_duplicates(rep.recipients);
  return rep;
}

classification engine::classify(std::string_view raw) const {
  classification result;
  parsed_message message = parse_message(raw, limits_, mime_backend::builtin, std::move(spare_parts));
  const parts_return give_back(message.parts);  // declared after `message`: runs before its destructor
  result.error = std::move(message.error);
  result.warnings = std::move(message.warnings);
  const message_view view(message);
  report rep = read_report(view);
  if (rep.recipients.size() > limits_.max_recipients) {
    rep.recipients.resize(limits_.max_recipients);
    if (!result.error)
      result.error = fmt::format("more than {} recipients (max_recipients); the rest were dropped", limits_.max_recipients);
  }
  result.original = read_original(view);
  if (rep.recipients.empty() && rep.type != message_type::complaint) {
    result.type = looks_like_bounce(view) || rep.type == message_type::bounce ? message_type::unrecognized
                                                                             : message_type::not_bounce;
    result.format = rep.format;
    return result;
  }
  result.type = rep.type;
  result.format = rep.format;
  result.recipients.reserve(rep.recipients.size());
  for (std::size_t i = 0; i < rep.recipients.size(); ++i)
    result.recipients.emplace_back(verdict_of{*rules_, rep.recipients[i], rep, i + 1 == rep.recipients.size()});
  return result;
}

}  // namespace detail

classifier::classifier(const bouncekit::limits& limits)
    : engine_(std::make_shared<detail::engine>(detail::rule_set::load(detail::builtin_rule_sources()), limits)) {}

classifier::classifier(std::shared_ptr<const detail::engine> engine) : engine_(std::move(engine)) {}

classifier classifier::from_directory(const std::filesystem::path& rules_dir, const bouncekit::limits& limits) {
  return classifier(
      std::make_shared<detail::engine>(detail::rule_set::load(detail::directory_rule_sources(rules_dir)), limits));
}

classification classifier::classify(std::string_view raw_message) const noexcept {
  try {
    return engine_->classify(raw_message);
  } catch (const std::bad_alloc&) {
    classification c;
    c.error = "out of memory while classifying";
    return c;
  } catch (const std::exception& e) {
    classification c;
    c.error = fmt::format("internal error: {}", e.what());
    return c;
  } catch (...) {
    classification c;
    c.error = "internal error";
    return c;
  }
}

std::size_t classifier::rule_count() const noexcept { return engine_->rules().rules().size(); }

const bouncekit::limits& classifier::limits() const noexcept { return engine_->limits(); }

}  // namespace bouncekit
