// A main() for the fuzz targets when libFuzzer is not linked (gcc builds, Release and sanitizer builds): feeds
// every file named on the command line, and every file below a named directory, to LLVMFuzzerTestOneInput
// once. ctest uses it to replay the seed corpus. (The pattern of fmt's test/fuzzing/main.cc.)
//
//   classify_fuzzer corpus/ tests/malformed/ crash-1234
#include "fuzzer_common.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Exactly `size` heap bytes, so that AddressSanitizer catches a read one past the end as libFuzzer would.
int run_one(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path.string() << ": cannot read\n";
    return 1;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::unique_ptr<std::uint8_t[]> data(new std::uint8_t[bytes.size() + (bytes.empty() ? 1 : 0)]);
  std::copy(bytes.begin(), bytes.end(), data.get());
  LLVMFuzzerTestOneInput(data.get(), bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    if (!arg.empty() && argv[i][0] == '-') continue;  // libFuzzer flags (-runs=0, ...) are accepted and ignored
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg, ec))
        if (entry.is_regular_file(ec)) inputs.push_back(entry.path());
    } else {
      inputs.push_back(arg);
    }
  }
  std::sort(inputs.begin(), inputs.end());
  int failures = 0;
  for (const fs::path& p : inputs) failures += run_one(p);
  std::cout << "replayed " << inputs.size() - static_cast<std::size_t>(failures) << " inputs\n";
  return failures || inputs.empty() ? 1 : 0;
}
