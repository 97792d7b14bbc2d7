// What the readers find in a message, before any rule runs: per recipient, the same fields whatever the
// format (an RFC 3464 DSN, an ARF report, an MTA's own text).
#pragma once

#include "mime/mime_message.hpp"
#include "util/thread_lease.hpp"

#include <bouncekit/result.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bouncekit::detail {

// The whole error section of a text bounce, the rules' last resort. Shared by the recipients of one bounce;
// made into one line only when a rule set asks for it (most verdicts are decided before).
class error_context {
 public:
  explicit error_context(std::string_view section) : section_(section) {}
  // Makes this the context of another section, in the room the last one took (for a reader that reuses a
  // context no report holds any more).
  void assign(std::string_view section) {
    section_.assign(section);
    one_line_.reset();
  }
  const std::string& one_line() const;

 private:
  std::string section_;
  mutable std::optional<std::string> one_line_;
};

struct recipient_evidence {
  std::string address;
  std::optional<std::string> original_recipient;
  std::string action;  // as written (lower-case), or inferred
  std::optional<std::string> status;
  std::optional<std::string> reply_code;
  std::optional<std::string> diagnostic;
  // True when the reader made `diagnostic` valid UTF-8 itself: the rules need not check it again. Set only by a
  // reader that guarantees it; false (the rules check) is always safe.
  bool diagnostic_valid_utf8 = false;
  std::optional<std::string> remote_mta;
  std::optional<std::string> smtp_command;
  std::optional<std::string> feedback_type;
  std::string extra_text;    // more of the MTA's words about this recipient, for the rules when the diagnostic is thin
  // The text reader's words about a DSN recipient that has extra_text of its own: the rules read the two joined
  // by a space, and only when the diagnostic says nothing they know (they are not joined before).
  std::string more_extra_text;
  std::shared_ptr<const error_context> context;  // the error section of a text bounce, or none
};

struct report {
  message_type type = message_type::not_bounce;
  std::string format;
  std::optional<std::string> reporting_mta;
  std::vector<recipient_evidence> recipients;
};

// A field list this thread keeps from one message to the next, one for each `Slot` (a tag type): a block read
// into a list of its own took an allocation for its fields and often one for its storage. Room past 64 fields,
// or past one storage chunk, is let go when the lease ends.
template <class Slot>
struct kept_fields {
  static void release(field_list& fields) { fields.clear(64); }
};
template <class Slot>
using kept_field_list = thread_lease<field_list, kept_fields<Slot>>;

struct returned_headers_slot;  // message_view's returned_storage
struct dsn_block_slot;         // the DSN reader's blocks

// A parsed message with the things every reader asks for worked out once.
struct message_view {
  const parsed_message& message;
  // Decoded, whitespace collapsed: a view of the field itself when that changes nothing, else of subject_storage.
  std::string_view subject;
  std::string subject_storage;
  // The decoded From and To values: views of the fields themselves when there is nothing to decode (nearly
  // always), else of from_storage and to_storage.
  std::string_view from;
  std::string_view to;
  std::string from_storage, to_storage;
  std::string from_address;  // normalised
  // views of what parse_message() kept in `message` (the view does not outlive it)
  std::string_view content_type;  // "multipart/report"
  std::string_view report_type;   // report-type parameter, lower-case
  // The notification text: the decoded text/plain parts (else text/html stripped of tags) that are not inside
  // a returned message, joined. A view of the part's body when there is one such part (most messages: no copy),
  // else of text_storage.
  std::string_view text;
  std::string text_storage;
  // A header block read from a part's body or quoted inline in the text, when returned_headers is one (its room
  // kept for the thread's next message).
  kept_field_list<returned_headers_slot> returned_storage;
  // The headers of the returned message (message/rfc822 child, text/rfc822-headers, message/global-headers,
  // or a header block quoted inline in the text); empty when none was found. A child part's are looked at
  // where parse_message() keeps them, not copied.
  const field_list& returned_headers;
  // Answers worked out on first use (a message is read on one thread): whether a list manager refused a post,
  // whether the message looks like a bounce at all.
  mutable std::optional<bool> list_refusal;
  mutable std::optional<bool> bounce_like;

  explicit message_view(const parsed_message& m);
  // (`text` may point into the view itself)
  message_view(const message_view&) = delete;
  message_view& operator=(const message_view&) = delete;
  const mime_part& top() const { return message.parts.front(); }
  // True when the part at `index` lies inside a message/rfc822 (or message/global) part.
  bool inside_returned_message(std::size_t index) const;
};

// Readers: each returns true when it recognised the message (and filled `out`).
bool read_arf(const message_view& view, report& out);
bool read_dsn(const message_view& view, report& out);
bool read_auto_reply(const message_view& view, report& out);
bool read_text_bounce(const message_view& view, report& out);
bool read_ses_json(const message_view& view, report& out);

// True for a message that looks like a bounce (null sender, MAILER-DAEMON, a bounce subject, a report).
bool looks_like_bounce(const message_view& view);

// True for a mailing-list manager's notice that it refused a post (Mailman's "You are not allowed to post to
// this mailing list", LISTSERV's "You are not authorized to send mail to the X list", ...) that returns the
// post or says "rejected" in its subject: a bounce, not a vacation reply or the list's own mail.
bool is_list_refusal_notice(const message_view& view);

// The offset in `text` of the first statement that a list refused a post, or npos.
std::size_t find_list_refusal(std::string_view text);

// True for mail a list sent (List-Id, List-Unsubscribe, Precedence bulk or list) or a person's reply ("Re:"
// with In-Reply-To or References): whatever it quotes, it is not itself a bounce or a complaint.
bool is_list_mail_or_reply(const message_view& view);

// Fills `original` from the returned message's headers.
original_message read_original(const message_view& view);

}  // namespace bouncekit::detail
