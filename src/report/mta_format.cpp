// The table of markers that name the MTA or provider behind a plain-text bounce, and one scan to find them.
#include "report/mta_format.hpp"

#include "rules/literal_scanner.hpp"
#include "util/text.hpp"

#include <array>

namespace bouncekit::detail {

namespace {

struct format_marker {
  std::string_view format;
  std::string_view marker;  // case-insensitive fragment of the notification text or of a header ("header:")
};

// First match wins, so more specific markers come first.
constexpr std::array<format_marker, 67> format_markers = {{
    {"dragonfly", "DragonFly Mail Agent"},
    {"postfix", "This is the mail system at host"},
    {"postfix", "This is the Postfix program at host"},
    {"exim", "This message was created automatically by mail delivery software"},
    {"qmail", "This is the qmail-send program"},
    {"qmail", "qmail-send program at"},
    {"sendmail", "The following addresses had permanent fatal errors"},
    {"sendmail", "The original message was received at"},
    {"v5sendmail", "----- Unsent message follows -----"},
    {"sendmail", "Transcript of session follows"},
    {"gmail", "Delivery to the following recipient failed permanently"},
    {"gmail", "Delivery to the following recipients failed permanently"},
    {"gmail", "Message not delivered"},
    {"gmail", "** Address not found **"},
    {"gmail", "** Message not delivered **"},
    {"gmail", "Delivery to the following recipient has been delayed"},
    {"googlegroups", "Google Groups"},
    {"yahoo", "Sorry, we were unable to deliver your message to the following address"},
    {"yahoo", "Message from yahoo.com"},
    {"aol", "header:X-AOL-IP"},
    {"courier", "This is a delivery status notification from"},
    {"courier", "Courier mail server"},
    {"haraka", "Haraka Mailer program"},
    {"office365", "Your message to"},
    {"office365", "Delivery has failed to these recipients or groups"},
    {"exchange2007", "Diagnostic information for administrators"},
    {"exchange2003", "Your message did not reach some or all of the intended recipients"},
    {"exchange2003", "did not reach the following recipient(s)"},
    {"amazonses", "header:X-SES-Outgoing"},
    {"amazonses", "amazonses.com"},
    {"amazonworkmail", "header:X-Mailer: Amazon WorkMail"},
    {"amazonworkmail", "awsapps.com"},
    {"domino", "Your message was not delivered to the following"},
    {"notes", "Lotus Notes"},
    {"domino", "Domino"},
    {"opensmtpd", "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail"},
    {"opensmtpd", "An error has occurred while attempting to deliver a message"},
    {"mailru", "mail.ru"},
    {"yandex", "yandex"},
    {"gmx", "header:Envelope-To"},
    {"gmx", "GMX"},
    {"einsundeins", "1&1"},
    {"zoho", "zoho"},
    {"mfilter", "mFILTER"},
    {"mfilter", "*** Please check the recipient's mail address"},
    {"imailserver", "header:X-Mailer: <SMTP32"},
    {"imailserver", "IMail"},
    {"trendmicro", "Trend Micro"},
    {"mxlogic", "MXLogic"},
    {"activehunter", "activehunter"},
    {"mailfoundry", "MailFoundry"},
    {"fml", "header:X-MLServer"},
    {"fml", "fml"},
    {"verizon", "verizon"},
    {"ezweb", "ezweb.ne.jp"},
    {"kddi", "kddi"},
    {"biglobe", "biglobe"},
    {"apachejames", "James"},
    {"mailmarshal", "MailMarshal"},
    {"messagingserver", "Sun Java System Messaging Server"},
    {"messagingserver", "Oracle Communications Messaging"},
    {"mimecast", "mimecast"},
    {"barracuda", "Barracuda"},
    {"mcafee", "McAfee"},
    {"mcafee", "header:X-NAI-Header"},
    {"trendmicro", "InterScan"},
    {"exim", "header:X-Failed-Recipients"},  // Exim's, but Gmail, Google Groups and others add it too
}};

// The format markers found in the text, by one scan: for each text marker, its index in format_markers.
struct text_markers {
  literal_scanner scanner;
  std::vector<std::size_t> table_index;
};

const text_markers& format_text_markers() {
  static const text_markers markers = [] {
    std::vector<std::string> phrases;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < format_markers.size(); ++i) {
      if (format_markers[i].marker.substr(0, 7) == "header:") continue;
      phrases.emplace_back(format_markers[i].marker);
      index.push_back(i);
    }
    return text_markers{literal_scanner(phrases), std::move(index)};
  }();
  return markers;
}

bool header_marker_matches(const message_view& view, std::string_view spec) {
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  if (colon == std::string_view::npos) return find_field(view.top().headers, name) != nullptr;
  const std::string value = view.top().header(name);
  return !value.empty() && icontains(value, trim(spec.substr(colon + 1)));
}

}  // namespace

std::string detect_mta_format(const message_view& view, std::string_view text) {
  const text_markers& markers = format_text_markers();
  // MTAs introduce themselves at the top of the report
  const std::size_t found = markers.scanner.lowest(text.substr(0, 8192));
  const std::size_t in_text = found == std::string_view::npos ? format_markers.size() : markers.table_index[found];
  for (std::size_t i = 0; i < in_text; ++i)
    if (const std::string_view m = format_markers[i].marker; m.substr(0, 7) == "header:" &&
                                                               header_marker_matches(view, m.substr(7)))
      return std::string(format_markers[i].format);
  return in_text < format_markers.size() ? std::string(format_markers[in_text].format) : "text";
}

}  // namespace bouncekit::detail
