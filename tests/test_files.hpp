// Reading test inputs from disk.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace bouncekit::test {

// The whole file, bytes as they are (empty when it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace bouncekit::test
