// classify_one: print the verdict for one .eml file.
//   classify_one bounce.eml
#include <bouncekit/bouncekit.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: classify_one FILE.eml\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << argv[1] << ": cannot open\n";
    return 1;
  }
  std::ostringstream raw;
  raw << in.rdbuf();
  const bouncekit::classifier classifier;
  const bouncekit::classification result = classifier.classify(raw.str());
  std::cout << argv[1] << ": " << bouncekit::to_string(result.type) << '\n';
  for (const auto& r : result.recipients)
    std::cout << "  " << r.address << "  " << bouncekit::to_string(r.bounce_class) << "  "
              << (r.category ? bouncekit::to_string(*r.category) : "-") << "  " << r.reason << "  "
              << r.status.value_or("-") << "\n    -> " << r.recommended_action << '\n';
  return 0;
}
