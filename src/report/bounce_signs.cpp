// Whether a message looks like a bounce at all: the sender, the report type, the null return path, the
// subject and the text, weighed against the signs of a person's reply or a list's mail.
#include "report/evidence.hpp"
#include "rules/literal_scanner.hpp"
#include "util/text.hpp"

#include <cstdint>
#include <iterator>

namespace bouncekit::detail {

namespace {

// Subjects of bounces, in the languages MTAs write them in.
constexpr std::string_view subject_cues[] = {
    "undeliver",          "undelivered",        "delivery status notification", "returned mail",
    "failure notice",     "delivery failure",   "mail delivery failed",        "delivery failed",
    "non-deliver",        "nondeliver",         "could not be delivered",      "delivery has failed",
    "delivery problem",   "mail system error",  "delivery notification",       "returned to sender",
    "unzustellbar",       "non remis",          "no entregado",                "não entregue",
    "mail failure",       "delivery report",    "delayed mail",                "warning: could not send",
    "message not delivered", "unable to deliver", "rejected:",                  "error sending message",
    "postmaster notify", "undelivered mail",    "problem delivering",          "delivery error",
    "不達",               "未送達",              "エラー",                       "退信",
};

// An MTA's phrases near the top of a bounce.
constexpr std::string_view body_cues[] = {
    "error message below",        "could not be delivered to",   "delivery to the following recipient",
    "the following addresses had", "wasn't able to deliver",     "was not able to deliver",
    "could not deliver",          "delivery has failed",         "did not reach the following",
    "message not delivered",      "invalid user address",        "recipient address rejected",
    "your message cannot be delivered", "permanent fatal errors", "this is a permanent error",
};
const literal_scanner& body_scanner() {
  static const literal_scanner scanner(std::vector<std::string>(std::begin(body_cues), std::end(body_cues)));
  return scanner;
}

// Statements that a message failed, as MTAs word them: enough, with a mail system's name as the sender, to
// call a message a bounce that has no SMTP code or returned message (some MTAs write neither).
const literal_scanner& failure_scanner() {
  static const literal_scanner scanner{
      "undeliverable",         "not be delivered",         "couldn't be delivered", "can't be delivered",
      "was not delivered",     "wasn't delivered",         "has not been delivered", "delivery failed",
      "delivery failure",      "failed permanently",       "permanent error",        "unable to deliver",
      "couldn't deliver",      "delivery has been delayed", "unzustellbar",          "nicht zugestellt",
      "no se pudo entregar",   "pu être remis",            "pu être distribué",      "non distribuable",
  };
  return scanner;
}

// A bounce's subject, or an MTA's statement that the message failed, near the top of the text.
bool says_it_failed(const message_view& view, std::string_view head) {
  for (std::string_view cue : subject_cues)
    if (icontains(view.subject, cue)) return true;
  return body_scanner().any(head) || failure_scanner().any(head);
}

// A list manager's notice that it refused a post (Mailman 2 and 3, LISTSERV, Sympa, members-only lists): the
// post failed as surely as a rejected RCPT. The first group names the list in the cue itself; the second
// ("not authorized to send mail to the RESEARCH-L list") must name it soon after.
const literal_scanner& list_refusal_scanner() {
  static const literal_scanner scanner{
      "not allowed to post to this",      "not from a list member",         "non-member to a members-only",
      "not a member of this mailing list", "not a member of this list",     "only members can post",
      "only members may post",            "not authorized to send mail to", "not authorised to send mail to",
      "not allowed to send messages to",  "not permitted to post to",       "not authorized to post to",
  };
  return scanner;
}
constexpr std::uint32_t first_cue_naming_list_later = 7;  // "not authorized to send mail to" and after

// Sent by list software, or saying in its subject that a post was rejected: the cheap test before the text
// is searched for a list manager's refusal (most bounces come from a mail system and say neither).
bool from_list_manager(const message_view& view) {
  if (icontains(view.subject, "reject")) return true;
  const field_list& headers = view.top().headers;
  if (find_field(headers, "List-Id") || find_field(headers, "X-Mailman-Version") || find_field(headers, "X-Listserver") ||
      find_field(headers, "X-List-Server") || find_field(headers, "X-Loop") || find_field(headers, "X-MLServer"))
    return true;
  static const literal_scanner list_senders{"owner", "-request", "-bounces", "-admin", "listserv", "sympa",
                                            "mailman", "majordomo", "lists."};
  return list_senders.any(view.from) || list_senders.any(field_value(headers, "Return-Path")) ||
         list_senders.any(field_value(headers, "Sender"));
}

}  // namespace

std::size_t find_list_refusal(std::string_view text) {
  std::size_t found = std::string_view::npos;
  list_refusal_scanner().scan_at(text, [&](std::uint32_t literal, std::size_t begin) {
    if (begin >= found) return;
    const std::size_t end = begin + list_refusal_scanner().length(literal);
    if (literal < first_cue_naming_list_later || ifind(text.substr(end, 80), "list") != std::string_view::npos)
      found = begin;
  });
  return found;
}

bool is_list_refusal_notice(const message_view& view) {
  if (!view.list_refusal) {
    // the notice returns the post or says in its subject that it was rejected ('Message ("...") rejected',
    // "Your message to Team rejected"); a list's own mail about its rules does neither
    view.list_refusal = (!view.returned_headers.empty() || icontains(view.subject, "reject")) &&
                        from_list_manager(view) &&
                        find_list_refusal(std::string_view(view.text).substr(0, 4096)) != std::string_view::npos;
  }
  return *view.list_refusal;
}

namespace {

bool bounce_signs(const message_view& view) {
  // A report: delivery status is a bounce; a read receipt (RFC 8098) or a TLS report (RFC 8460) is not.
  if (view.content_type == "multipart/report")
    return view.report_type != "disposition-notification" && view.report_type != "tlsrpt";
  const std::string_view return_path = trim(field_value(view.top().headers, "Return-Path"));  // no copy
  if (return_path == "<>" && !icontains(view.top().header("Auto-Submitted"), "auto-replied")) return true;
  // a mailing-list manager's error notice to a poster (fml), sent from the list's -admin or owner- address
  if (!view.top().header("X-MLServer").empty()) {
    const std::string local = ascii_lower(view.from_address.substr(0, view.from_address.find('@')));
    if (local.rfind("owner-", 0) == 0 || (local.size() > 6 && local.compare(local.size() - 6, 6, "-admin") == 0))
      return true;
  }
  // The signs a mail system leaves and a person writing by hand does not: an SMTP reply or status code near
  // the top, the returned message or its headers, an Auto-Submitted or X-Failed-Recipients header.
  const std::string_view head = std::string_view(view.text).substr(0, 4096);
  auto machine_signs = [&] {
    return !view.returned_headers.empty() || find_field(view.top().headers, "Auto-Submitted") ||
           find_field(view.top().headers, "X-Failed-Recipients") || !find_reply_code(head).empty() ||
           !find_status_code(head).empty();
  };
  // Mail systems' own names: their mail is a bounce even when it says "Re:" or carries Precedence: bulk, but
  // only with a sign of a mail system or an MTA's phrase: the name alone is no bounce (a person answers from
  // postmaster@, "Re: mail to dan": "your message was delivered fine").
  const std::string_view from = view.from;  // looked in for lower-case cues in any case, not copied in lower case
  static constexpr std::string_view system_senders[] = {"mailer-daemon", "mail-daemon", "post_master", "mail delivery",
                                                        "mail administrator", "maildelivery"};
  for (std::string_view cue : system_senders)
    if (icontains(from, cue))
      return machine_signs() || says_it_failed(view, head) || is_list_refusal_notice(view);
  // a list manager's refusal of a post, even with the list's Precedence: bulk or Auto-Submitted: auto-replied
  if (is_list_refusal_notice(view)) return true;
  // Mail a person answers or a list sends is not a bounce, whatever its subject or text says about delivery
  // ("Re: Undelivered Mail Returned to Sender", a postmaster answering a question, a newsletter about
  // parcels, a tracker quoting an SMTP error).
  if (is_list_mail_or_reply(view)) return false;
  if (icontains(from, "postmaster")) return machine_signs() || says_it_failed(view, head);
  // A bounce-like subject from anyone else needs a sign of a mail system: an SMTP reply or status code, the
  // returned message, or an Auto-Submitted header ("Your order could not be delivered to the pickup point" is
  // a shop's notice).
  if (!machine_signs()) return false;
  for (std::string_view cue : subject_cues)
    if (icontains(view.subject, cue)) return true;
  // A report in the body: an MTA's phrase together with an SMTP reply or status code near the top.
  return body_scanner().any(head) && (!find_reply_code(head).empty() || !find_status_code(head).empty());
}

}  // namespace

bool looks_like_bounce(const message_view& view) {
  if (!view.bounce_like) view.bounce_like = bounce_signs(view);
  return *view.bounce_like;
}

}  // namespace bouncekit::detail
