// The golden corpus: every corpus/<family>/<name>.eml classified as LF, CRLF and CR must give the JSON in
// <name>.json beside it. BOUNCEKIT_UPDATE_GOLDEN=1 rewrites the .json files for review instead.
#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

using bouncekit::test::slurp;

std::string with_line_endings(const std::string& lf_text, const char* eol) {
  std::string out;
  for (std::size_t i = 0; i < lf_text.size(); ++i) {
    const char c = lf_text[i];
    if (c == '\r' && i + 1 < lf_text.size() && lf_text[i + 1] == '\n') continue;
    if (c == '\n') out += eol;
    else out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("golden corpus: LF, CRLF and CR give the expected JSON") {
  const fs::path root = fs::path(BOUNCEKIT_SOURCE_DIR) / "corpus";
  const bool update = std::getenv("BOUNCEKIT_UPDATE_GOLDEN") != nullptr;
  const bouncekit::classifier classifier;
  std::size_t checked = 0;
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.path().extension() == ".eml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& eml : files) {
    const std::string raw = slurp(eml);
    bouncekit::classification c = classifier.classify(raw);
    c.source = fs::relative(eml, root).generic_string();
    nlohmann::ordered_json got = bouncekit::to_json(c);
    const fs::path golden = fs::path(eml).replace_extension(".json");
    if (update) {
      std::ofstream(golden, std::ios::binary) << got.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
      continue;
    }
    INFO("golden file " << golden.string());
    REQUIRE(fs::exists(golden));
    const nlohmann::ordered_json expected = nlohmann::ordered_json::parse(slurp(golden));
    CHECK(got == expected);
    for (const char* eol : {"\r\n", "\r"}) {
      bouncekit::classification other = classifier.classify(with_line_endings(raw, eol));
      other.source = c.source;
      INFO("line endings " << (eol[1] ? "CRLF" : "CR"));
      CHECK(bouncekit::to_json(other) == expected);
    }
    ++checked;
  }
  if (!update) CHECK(checked >= 40);
}
