// The default rule files, compiled into the library by cmake/embed_rules.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace bouncekit::detail {

struct embedded_rule_file {
  std::string_view name;
  std::string_view text;
};

const std::vector<embedded_rule_file>& embedded_rule_files();

}  // namespace bouncekit::detail
