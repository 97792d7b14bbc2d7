// custom_rules: classify messages with a rules directory of your own instead of the built-in rules.
//
//   custom_rules RULES_DIR FILE.eml...
//
// Start from the installed default rules (share/bouncekit/rules, or rules/ in the source tree): copy the
// directory, add or edit [[rule]] tables, check them with `bouncekit rules check DIR`, then load them here.
// A broken rule file is reported as file:line with the problem, and the program exits 2 (the same check
// an application should do at startup: never swap in rules that do not load).
#include <bouncekit/bouncekit.hpp>

#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: custom_rules RULES_DIR FILE.eml...\n";
    return 2;
  }
  std::optional<bouncekit::classifier> classifier;
  try {
    classifier = bouncekit::classifier::from_directory(argv[1]);  // every *.toml in the directory
  } catch (const bouncekit::rule_error& e) {
    std::cerr << "custom_rules: " << e.what() << '\n';
    return 2;
  }
  std::cout << argv[1] << ": " << classifier->rule_count() << " rules\n";
  int status = 0;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::cerr << argv[i] << ": cannot open\n";
      status = 1;
      continue;
    }
    std::ostringstream raw;
    raw << in.rdbuf();
    const bouncekit::classification result = classifier->classify(raw.str());
    std::cout << argv[i] << ": " << bouncekit::to_string(result.type) << '\n';
    for (const bouncekit::recipient_verdict& r : result.recipients)
      std::cout << "  " << r.address << "  " << bouncekit::to_string(r.bounce_class) << "  " << r.reason << "  rule "
                << r.rule << " (" << r.decided_by << ")\n";
  }
  return status;
}
