// bouncekit/bouncekit.hpp — the whole C++ API: classifier, result types (JSON is in bouncekit/json.hpp).
//
//   #include <bouncekit/bouncekit.hpp>
//   const bouncekit::classifier classifier;
//   auto result = classifier.classify(raw_message);
//   std::cout << bouncekit::to_string(result.type) << '\n';
#pragma once

#include <bouncekit/classifier.hpp>
#include <bouncekit/result.hpp>
