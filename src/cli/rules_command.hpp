// Subcommands for people who maintain rules and read verdicts: `rules check`, `rules list` and `explain`.
//
//   CLI::App app{...};
//   auto tools = bouncekit::cli::add_rule_tools(app);   // before parsing
//   bouncekit::cli::complete_help(app);                  // after every subcommand is added
//   CLI11_PARSE(app, argc, argv);
//   if (tools->parsed()) return tools->run();
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace bouncekit::cli {

class rule_tools {
 public:
  // True when one of this object's subcommands was given on the command line.
  bool parsed() const;
  // Runs that subcommand; returns the process exit status (0 ok, 1 check failures or unreadable paths,
  // 2 bad rule files).
  int run() const;

 private:
  friend std::unique_ptr<rule_tools> add_rule_tools(CLI::App& app);

  // Adds the long help (exit status, examples, files) to the top-level --help and to `classify --help`; the man
  // page is generated from this same text. Call it after all subcommands are added.
  void complete_help(CLI::App& app);
  int run_check() const;
  int run_list() const;
  int run_explain() const;

  CLI::App* check_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* explain_ = nullptr;
  std::string check_dir_;
  bool strict_ = false;
  std::string list_rules_dir_;
  std::string list_format_ = "table";
  std::string explain_rules_dir_;
  std::vector<std::string> explain_paths_;
};

// Adds `rules check`, `rules list` and `explain` to `app`. The returned object holds the parsed options: keep
// it alive until run() returns.
std::unique_ptr<rule_tools> add_rule_tools(CLI::App& app);

// Adds the long help (exit status, examples, files) to the top-level --help and to `classify --help`; the man
// page is generated from this same text. Call it after all subcommands are added.
void complete_help(CLI::App& app);

}  // namespace bouncekit::cli
