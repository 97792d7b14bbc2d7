// suppress_csv: walk a maildir (or any directory of messages) and write a CSV of the addresses to act on.
//
//   suppress_csv DIR [OUT.csv]          (OUT.csv defaults to standard output)
//
// One row per recipient that calls for an action, as
//   address,action,class,category,reason,status,message_id,file
// (message_id: the bounced message's Message-ID, to match the row with what was sent) and action is
//   suppress  a hard bounce (the mailbox or domain does not exist) or a complaint: stop sending now;
//   retry     a soft bounce or a delay: the address may work later; retry, and count the failures.
// Auto-replies, success reports, "not-spam" feedback and ordinary mail give no row. Files whose names start
// with a dot, *.json files and a maildir's tmp/ are skipped.
// Exit status: 0, 1 when DIR cannot be read or OUT.csv written, 2 for usage.
#include <bouncekit/bouncekit.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace {

// RFC 4180 quoting: always quote, double the quotes inside.
std::string csv(std::string_view field) {
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += (c == '\r' || c == '\n') ? ' ' : c;
  }
  return out + '"';
}

const char* action_for(bouncekit::bounce_class c) {
  switch (c) {
    case bouncekit::bounce_class::hard:
    case bouncekit::bounce_class::complaint: return "suppress";
    case bouncekit::bounce_class::soft:
    case bouncekit::bounce_class::delayed: return "retry";
    default: return nullptr;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: suppress_csv DIR [OUT.csv]\n";
    return 2;
  }
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(argv[1], fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == "tmp" && it->is_directory(ec) && fs::is_directory(it->path().parent_path() / "cur", ec)) {
      it.disable_recursion_pending();  // a maildir's tmp/ holds deliveries still being written
      continue;
    }
    if (it->is_regular_file(ec) && !name.empty() && name[0] != '.' && it->path().extension() != ".json")
      files.push_back(it->path());
  }
  if (ec) {
    std::cerr << argv[1] << ": " << ec.message() << '\n';
    return 1;
  }
  std::sort(files.begin(), files.end());

  std::ofstream file_out;
  if (argc == 3) {
    file_out.open(argv[2], std::ios::binary);
    if (!file_out) {
      std::cerr << argv[2] << ": cannot write\n";
      return 1;
    }
  }
  std::ostream& out = argc == 3 ? file_out : std::cout;

  const bouncekit::classifier classifier;  // compile the rules once
  std::size_t suppress = 0, retry = 0;
  out << "address,action,class,category,reason,status,message_id,file\n";
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream raw;
    raw << in.rdbuf();
    const bouncekit::classification result = classifier.classify(raw.str());
    for (const bouncekit::recipient_verdict& r : result.recipients) {
      const char* action = action_for(r.bounce_class);
      if (!action || r.address.empty()) continue;
      if (r.feedback_type == "not-spam") continue;  // a report that the message was wanted: nothing to suppress
      (std::string_view(action) == "suppress" ? suppress : retry)++;
      out << csv(r.address) << ',' << action << ',' << bouncekit::to_string(r.bounce_class) << ','
          << (r.category ? bouncekit::to_string(*r.category) : "") << ',' << r.reason << ',' << r.status.value_or("")
          << ',' << csv(result.original.message_id.value_or("")) << ',' << csv(path.string()) << '\n';
    }
  }
  std::cerr << files.size() << " messages: " << suppress << " to suppress, " << retry << " to retry\n";
  return out ? 0 : 1;
}
