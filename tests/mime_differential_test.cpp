// The built-in MIME splitter against mimetic, the reference parser it replaced on the hot path: over every
// message of the project's corpus, the malformed-input corpus and (when present) ../shared/corpus, both must
// yield the same parts: type, subtype, depth and parent, and the same decoded body, except that ours may be
// shorter where mimetic reads a part past its parent's delimiter (it only looks for the innermost boundary)
// or keeps the blanks before an indented delimiter. The few messages whose structure must differ are ones
// mimetic is known to read wrongly; each is listed with the reason.
#include "mime/mime_message.hpp"
#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace bouncekit::detail;
namespace fs = std::filesystem;

namespace {

std::string describe(const parsed_message& m) {
  std::string out;
  for (const mime_part& p : m.parts)
    out += std::to_string(p.depth) + ":" + std::to_string(p.parent) + " " + p.type + "/" + p.subtype + " " +
           std::to_string(p.body.size()) + " bytes\n";
  return out;
}

bool same_parts(const parsed_message& ours, const parsed_message& reference) {
  if (ours.parts.size() != reference.parts.size()) return false;
  for (std::size_t i = 0; i < ours.parts.size(); ++i) {
    const mime_part& x = ours.parts[i];
    const mime_part& y = reference.parts[i];
    if (x.type != y.type || x.subtype != y.subtype || x.depth != y.depth || x.parent != y.parent) return false;
    if (y.body.compare(0, x.body.size(), x.body) != 0) return false;
  }
  return true;
}

// Our malformed-input files where the structures differ on purpose.
const std::map<std::string, const char*> known_differences = {
    {"boundary-mid-line.eml", "mimetic splits a part at a boundary string in mid-line"},
    {"multipart-without-boundary.eml", "mimetic takes every line starting with \"--\" for a delimiter; we read the text"},
    {"report-missing-boundary.eml", "as above"},
    {"one-byte.eml", "mimetic drops a body of one byte with no line end"},
};

std::vector<fs::path> messages_under(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".eml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("the built-in splitter and mimetic agree on every corpus message") {
  std::vector<fs::path> files = messages_under(fs::path(BOUNCEKIT_SOURCE_DIR) / "corpus");
  for (auto& f : messages_under(fs::path(BOUNCEKIT_SOURCE_DIR) / "tests" / "malformed")) files.push_back(f);
  for (auto& f : messages_under(BOUNCEKIT_SHARED_CORPUS)) files.push_back(f);
  REQUIRE(files.size() >= 50);
  std::size_t differing = 0;
  for (const fs::path& file : files) {
    const std::string raw = bouncekit::test::slurp(file);
    const parsed_message ours = parse_message(raw, bouncekit::limits{});
    const parsed_message reference = parse_message(raw, bouncekit::limits{}, mime_backend::mimetic);
    if (!same_parts(ours, reference) && !known_differences.count(file.filename().string())) {
      ++differing;
      WARN(file.string() << "\nbuilt-in:\n" << describe(ours) << "mimetic:\n" << describe(reference));
    }
  }
  CHECK(differing == 0);
}
