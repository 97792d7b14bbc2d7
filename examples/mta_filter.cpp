// mta_filter: classify one message read on standard input, the way an MTA's pipe transport (Postfix pipe(8),
// Exim's pipe transport, a .forward "|command", procmail, maildrop) hands it over, and exit with a code per
// class, so that a shell script or mail filter can branch on it without parsing anything.
//
//   mta_filter [--json] < message.eml ; echo $?
//
// Standard output: one line per recipient, "CLASS ADDRESS REASON STATUS" (or with --json the whole JSON
// record, one line). A leading mbox "From " envelope line is accepted.
//
// Exit codes (the most severe class among the recipients wins, in this order):
//   10  hard        a recipient address is permanently bad: suppress it now
//   11  complaint   the recipient complained (ARF / feedback loop): suppress, and check the campaign
//   12  soft        a failure that may pass: retry later and count it
//   13  delayed     a delay warning: the sending MTA is still trying; nothing to do yet
//   14  unknown     a bounce with no usable reason (type unrecognized, or class unknown)
//   15  auto-reply  an out-of-office or other RFC 3834 automatic reply
//   16  success     a delivery (success) report
//    0  not-bounce  ordinary mail: deliver it as usual
//   64  usage error (EX_USAGE)          74  standard input could not be read (EX_IOERR)
//
// An MTA takes any non-zero exit status of a pipe command as a failed delivery (75 means "try again later"),
// so call mta_filter from a small wrapper that acts on the code and then exits 0, for example:
//
//   #!/bin/sh
//   # Postfix master.cf:  bounces unix - n n - - pipe user=bounces argv=/usr/local/bin/bounce-hook
//   msg=$(mktemp) && cat > "$msg" || exit 75
//   verdict=$(mta_filter < "$msg"); code=$?
//   case $code in
//     10|11) echo "$verdict" | awk '{print $2}' | xargs -r my-app suppress ;;
//     12)    echo "$verdict" | awk '{print $2}' | xargs -r my-app soft-bounce ;;
//   esac
//   rm -f "$msg"; exit 0
#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

namespace {

enum exit_code : int {
  not_bounce = 0,
  hard = 10,
  complaint = 11,
  soft = 12,
  delayed = 13,
  unknown = 14,
  auto_reply = 15,
  success = 16,
  usage = 64,
  io_error = 74,
};

exit_code code_for(bouncekit::bounce_class c) {
  switch (c) {
    case bouncekit::bounce_class::hard: return hard;
    case bouncekit::bounce_class::complaint: return complaint;
    case bouncekit::bounce_class::soft: return soft;
    case bouncekit::bounce_class::delayed: return delayed;
    case bouncekit::bounce_class::unknown: return unknown;
    case bouncekit::bounce_class::auto_reply: return auto_reply;
    case bouncekit::bounce_class::success: return success;
  }
  return unknown;
}

// Lower codes are more severe (not_bounce aside).
exit_code more_severe(exit_code a, exit_code b) {
  if (a == not_bounce) return b;
  if (b == not_bounce) return a;
  return a < b ? a : b;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  if (argc == 2 && std::strcmp(argv[1], "--json") == 0) {
    json = true;
  } else if (argc != 1) {
    std::cerr << "usage: mta_filter [--json] < message\n";
    return usage;
  }
  const bouncekit::classifier classifier;
  const std::size_t max = classifier.limits().max_message_bytes;

  std::string raw;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    raw.append(buf, n);
    if (raw.size() > max) break;  // the classifier reports the limit; no need to read further
  }
  if (std::ferror(stdin)) {
    std::cerr << "mta_filter: cannot read standard input\n";
    return io_error;
  }
  if (raw.rfind("From ", 0) == 0) raw.erase(0, raw.find('\n') == std::string::npos ? raw.size() : raw.find('\n') + 1);

  const bouncekit::classification result = classifier.classify(raw);
  if (json) std::cout << bouncekit::to_json_line(result) << '\n';

  exit_code code = not_bounce;
  if (result.recipients.empty()) {  // say what the message is even when no recipient could be read
    switch (result.type) {
      case bouncekit::message_type::not_bounce: code = not_bounce; break;
      case bouncekit::message_type::complaint: code = complaint; break;
      case bouncekit::message_type::auto_reply: code = auto_reply; break;
      case bouncekit::message_type::bounce:
      case bouncekit::message_type::unrecognized: code = unknown; break;
    }
  }
  for (const bouncekit::recipient_verdict& r : result.recipients) {
    code = more_severe(code, code_for(r.bounce_class));
    if (!json)
      std::cout << bouncekit::to_string(r.bounce_class) << ' ' << r.address << ' ' << r.reason << ' '
                << r.status.value_or("-") << '\n';
  }
  if (!json && result.recipients.empty()) std::cout << bouncekit::to_string(result.type) << '\n';
  return code;
}
