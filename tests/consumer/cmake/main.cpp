// Consumer of the installed C++ API: classify one message with the built-in rules and with the installed
// rule files, print "address class category reason" per recipient and the JSON line.
#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer_cpp FILE.eml\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::ostringstream raw;
  raw << in.rdbuf();
  const bouncekit::classifier builtin;
  const bouncekit::classifier installed = bouncekit::classifier::from_directory(BOUNCEKIT_RULES_DIR);
  if (installed.rule_count() != builtin.rule_count()) {
    std::cerr << "installed rules differ from the built-in ones\n";
    return 1;
  }
  const bouncekit::classification result = installed.classify(raw.str());
  for (const auto& r : result.recipients)
    std::cout << r.address << ' ' << bouncekit::to_string(r.bounce_class) << ' '
              << (r.category ? bouncekit::to_string(*r.category) : "-") << ' ' << r.reason << '\n';
  std::cout << bouncekit::to_json_line(result) << '\n';
  return 0;
}
