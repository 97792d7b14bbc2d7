// bouncekit — the command-line tool: classify files, directories, maildirs, mbox files or stdin.
#include "cli/inputs.hpp"
#include "cli/ledger_command.hpp"
#include "cli/rules_command.hpp"

#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

namespace {

struct options {
  std::string format = "jsonl";
  unsigned jobs = 0;
  std::string rules_dir;
  bool explain = false;
  std::vector<std::string> paths;
};

// Counts for --format summary.
struct summary {
  std::size_t messages = 0, recipients = 0, errors = 0;
  std::map<std::string, std::size_t> types, classes, categories;
  void add(const bouncekit::classification& c) {
    ++messages;
    if (c.error) ++errors;
    ++types[std::string(bouncekit::to_string(c.type))];
    for (const auto& r : c.recipients) {
      ++recipients;
      ++classes[std::string(bouncekit::to_string(r.bounce_class))];
      ++categories[r.category ? std::string(bouncekit::to_string(*r.category)) : std::string("(none)")];
    }
  }
  void print(std::FILE* out) const {
    fmt::print(out, "{} messages, {} recipients, {} with errors\n", messages, recipients, errors);
    auto table = [&](const char* title, const std::map<std::string, std::size_t>& counts, std::size_t total) {
      fmt::print(out, "\n{:<24} {:>8} {:>7}\n", title, "count", "share");
      for (const auto& [name, n] : counts)
        fmt::print(out, "{:<24} {:>8} {:>6.1f}%\n", name, n, total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0);
    };
    table("type", types, messages);
    table("class", classes, recipients);
    table("category", categories, recipients);
  }
};

class printer {
 public:
  printer(const options& o) : opt_(o) {}
  void begin() {
    if (opt_.format == "json") std::fputs("[", stdout);
    if (opt_.format == "table")
      fmt::print("{:<40} {:<12} {:<36} {:<10} {:<20} {:<16} {}\n", "source", "type", "address", "class", "category",
                 "reason", "status");
  }
  // True when records are printed as JSON: the workers then format them (see batch_runner).
  bool wants_json() const { return opt_.format == "jsonl" || opt_.format == "json"; }
  bool explain() const { return opt_.explain; }

  // `line` is the record's JSON when wants_json(), formatted by a worker.
  void add(const bouncekit::classification& c, const std::string& line) {
    if (opt_.format == "jsonl") {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    } else if (opt_.format == "json") {
      std::fputs(first_ ? "\n" : ",\n", stdout);
      std::fwrite(line.data(), 1, line.size(), stdout);
    } else if (opt_.format == "table") {
      if (c.recipients.empty())
        fmt::print("{:<40} {:<12} {:<36} {:<10} {:<20} {:<16} {}\n", c.source, bouncekit::to_string(c.type),
                   c.error ? "error: " + *c.error : "-", "-", "-", "-", "-");
      for (const auto& r : c.recipients) {
        fmt::print("{:<40} {:<12} {:<36} {:<10} {:<20} {:<16} {}\n", c.source, bouncekit::to_string(c.type), r.address,
                   bouncekit::to_string(r.bounce_class), r.category ? bouncekit::to_string(*r.category) : "-",
                   r.reason, r.status.value_or("-"));
        if (opt_.explain) {
          fmt::print("    decided by: {}\n", r.decided_by);
          for (const auto& m : r.matches)
            fmt::print("    matched {} ({}, priority {}): \"{}\"\n", m.rule, m.reason, m.priority, m.text);
        }
      }
    }
    summary_.add(c);
    first_ = false;
  }
  void end() {
    if (opt_.format == "json") std::fputs(first_ ? "]\n" : "\n]\n", stdout);
    if (opt_.format == "summary") summary_.print(stdout);
    std::fflush(stdout);
  }

 private:
  const options& opt_;
  summary summary_;
  bool first_ = true;
};

// Classifies batches of messages on N threads and hands results to the printer in input order.
class batch_runner {
 public:
  batch_runner(const bouncekit::classifier& c, printer& p, unsigned jobs) : classifier_(c), printer_(p), jobs_(jobs) {}

  void add(bouncekit::cli::input_message&& m) {
    bytes_ += m.bytes.size();
    batch_.push_back(std::move(m));
    if (batch_.size() >= 512 || bytes_ >= (64u << 20)) flush();
  }

  void flush() {
    std::vector<bouncekit::classification> results(batch_.size());
    std::vector<std::string> lines(batch_.size());
    const bool json = printer_.wants_json();
    const bool explain = printer_.explain();
    auto work = [&](std::atomic<std::size_t>& next) {
      for (std::size_t i = next++; i < batch_.size(); i = next++) {
        const auto& m = batch_[i];
        if (m.error) {
          results[i].error = *m.error;
          results[i].type = bouncekit::message_type::unrecognized;
        } else {
          results[i] = classifier_.classify(m.bytes);
        }
        results[i].source = m.source;
        if (json) lines[i] = bouncekit::to_json_line(results[i], explain);  // formatting scales with the workers too
      }
    };
    std::atomic<std::size_t> next{0};
    if (jobs_ <= 1 || batch_.size() < 2) {
      work(next);
    } else {
      std::vector<std::thread> threads;
      for (unsigned t = 1; t < jobs_; ++t) threads.emplace_back(work, std::ref(next));
      work(next);
      for (auto& t : threads) t.join();
    }
    for (std::size_t i = 0; i < results.size(); ++i) printer_.add(results[i], lines[i]);
    done_ += batch_.size();
    batch_.clear();
    bytes_ = 0;
    show_progress(false);
  }

  void show_progress(bool final) {
    if (!isatty(STDERR_FILENO)) return;
    const auto now = std::chrono::steady_clock::now();
    if (!final && now - last_progress_ < std::chrono::milliseconds(250)) return;
    last_progress_ = now;
    fmt::print(stderr, "\r{} messages classified{}", done_, final ? "\n" : "");
  }

 private:
  const bouncekit::classifier& classifier_;
  printer& printer_;
  unsigned jobs_;
  std::vector<bouncekit::cli::input_message> batch_;
  std::size_t bytes_ = 0, done_ = 0;
  std::chrono::steady_clock::time_point last_progress_{};
};

int run_classify(const options& opt) {
  std::optional<bouncekit::classifier> classifier;
  try {
    classifier = opt.rules_dir.empty() ? bouncekit::classifier() : bouncekit::classifier::from_directory(opt.rules_dir);
  } catch (const bouncekit::rule_error& e) {
    fmt::print(stderr, "bouncekit: {}\n", e.what());
    return 2;
  }
  const unsigned jobs = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  printer out(opt);
  batch_runner runner(*classifier, out, jobs);
  out.begin();
  bool all_readable = true;
  for (const std::string& path : opt.paths) {
    const bool ok = bouncekit::cli::read_inputs(path, classifier->limits().max_message_bytes,
                                                [&](bouncekit::cli::input_message&& m) { runner.add(std::move(m)); });
    if (!ok) {
      all_readable = false;
      fmt::print(stderr, "bouncekit: {}: could not be read completely\n", path);
    }
  }
  runner.flush();
  runner.show_progress(true);
  out.end();
  return all_readable ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bouncekit: reads bounce mail and says, per failed recipient, what went wrong and what to do"};
  app.require_subcommand(1);
  options opt;
  CLI::App* classify = app.add_subcommand("classify", "Classify messages: .eml files, directories, maildirs, mbox files or - for stdin");
  classify->add_option("--format", opt.format, "Output: jsonl (one object per message), json (an array), table, summary")
      ->check(CLI::IsMember({"jsonl", "json", "table", "summary"}))
      ->capture_default_str();
  classify->add_option("--jobs,-j", opt.jobs, "Worker threads (default: the number of cores)");
  classify->add_option("--rules", opt.rules_dir, "Use the *.toml rule files of this directory instead of the built-in rules")
      ->check(CLI::ExistingDirectory);
  classify->add_flag("--explain", opt.explain, "Show the rules that matched each recipient and why the winner won");
  classify->add_option("paths", opt.paths, "Files, directories or - (standard input)")->required();
  auto rule_tools = bouncekit::cli::add_rule_tools(app);
  int ledger_exit = 2;
  bouncekit::cli::add_ledger_command(app, ledger_exit);  // sets ledger_exit when a ledger command runs
  bouncekit::cli::complete_help(app);
  CLI11_PARSE(app, argc, argv);
  if (classify->parsed()) return run_classify(opt);
  if (rule_tools->parsed()) return rule_tools->run();
  return ledger_exit;
}
