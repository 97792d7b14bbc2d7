// bouncekit — the command-line tool: classify files, directories, maildirs, mbox files or stdin.
#include "cli/inputs.hpp"
#include "cli/ledger_command.hpp"
#include "cli/ordered_work_queue.hpp"
#include "cli/rules_command.hpp"

#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

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
  // True when records are printed as JSON: the workers then format them (see classify_run).
  bool wants_json() const { return opt_.format == "jsonl" || opt_.format == "json"; }
  // True when the records are JSON lines, which the workers then join into one text per job.
  bool wants_lines() const { return opt_.format == "jsonl"; }
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
    if (opt_.format == "summary") summary_.add(c);
    first_ = false;
  }
  // `lines`: JSON lines, each with its newline, of `count` records, when wants_lines().
  void add_lines(std::string_view lines, std::size_t count) {
    std::fwrite(lines.data(), 1, lines.size(), stdout);
    if (count) first_ = false;
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

// Shows how many messages are done on stderr, when stderr is a terminal, at most four times a second.
class progress {
 public:
  void show(std::size_t done, bool final) {
    if (!terminal_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    fmt::print(stderr, "\r{} messages classified{}", done, final ? "\n" : "");
  }

 private:
  bool terminal_ = isatty(STDERR_FILENO) != 0;
  std::chrono::steady_clock::time_point last_{};
};

// What a worker hands back for one job: the records of a file (one per message; an mbox has several) or of one
// message; or, at the end of a command-line path, whether everything under it could be read.
struct job_result {
  struct record {
    bouncekit::classification verdict;  // left empty when the printer wants JSON
    std::string line;                   // the JSON record, when the printer wants JSON
  };
  std::vector<record> records;
  std::string lines;          // the JSON lines, newlines included, instead of records when the printer wants them
  std::size_t line_count = 0;
  bool readable = true;
  const std::string* finished_path = nullptr;  // set on the job that closes a command-line path
};

// Classifies every message under the command-line paths on `jobs` worker threads and prints the records in input
// order. The main thread lists the paths (as today, in a stable order) and workers read the files themselves, so
// reading and classifying overlap; what only one thread can read in order (standard input, a FIFO, a file too
// big to hold, such as a large mbox) is streamed by the main thread, one message per job. The queue between them
// holds a bounded number of jobs and bytes.
class classify_run {
 public:
  // Files up to this size are read whole by a worker; larger ones are streamed by the main thread.
  static constexpr std::size_t worker_file_bytes = 8u << 20;
  static constexpr std::size_t max_jobs_in_flight = 128;  // of up to batch_files messages each
  static constexpr std::size_t max_bytes_in_flight = 64u << 20;
  // Small files go to the workers a few at a time: one job each would cost a hand-over (a lock, an allocation,
  // perhaps a wake-up) per message, a noticeable share of classifying a small one.
  static constexpr std::size_t batch_files = 8;
  static constexpr std::size_t batch_bytes = 64u << 10;

  classify_run(const bouncekit::classifier& c, printer& p, unsigned jobs)
      : classifier_(c),
        printer_(p),
        json_(p.wants_json()),
        lines_(p.wants_lines()),
        explain_(p.explain()),
        // --jobs 1: the main thread does everything, as a second thread would only add hand-over costs
        queue_(jobs > 1 ? jobs : 0, max_jobs_in_flight, max_bytes_in_flight,
               [this](job_result&& r) { print(std::move(r)); }) {}

  // Queues everything under `path`; its records are printed as they come, in order.
  void add_path(const std::string& path) {
    bool read_here = true;  // what the main thread read itself could be read
    const bool listed = bouncekit::cli::list_inputs(path, [&](bouncekit::cli::input_entry&& e) {
      std::size_t size = 0;
      if (e.error || worker_can_read(e, size)) {
        batch_bytes_ += size;
        batch_.push_back(std::move(e));
        if (batch_.size() >= batch_files || batch_bytes_ >= batch_bytes) submit_batch();
        return;
      }
      submit_batch();  // what is read here comes after the files before it
      read_here = stream(e, size > worker_file_bytes) && read_here;
    });
    submit_batch();
    const bool readable = listed && read_here;
    queue_.submit(
        [&path, readable] {
          job_result end;
          end.readable = readable;
          end.finished_path = &path;
          return end;
        },
        0);
  }

  // Prints what is left; false when some path could not be read completely.
  bool finish() {
    queue_.finish();
    progress_.show(done_, true);
    return all_readable_;
  }

 private:
  // A regular file small enough to read whole (its size in `size`); not standard input or a FIFO.
  static bool worker_can_read(const bouncekit::cli::input_entry& e, std::size_t& size) {
    if (e.standard_input) return false;
    struct stat sb {};
    if (::stat(e.path.c_str(), &sb) != 0) return true;  // the worker gets the error when it opens the file
    size = static_cast<std::size_t>(sb.st_size);
    return S_ISREG(sb.st_mode) && size <= worker_file_bytes;
  }

  // Reads `e` here and queues its messages. The messages of a large file (an mbox), which is read as fast as the
  // disk allows, go a few at a time, as small files do; those of standard input or a FIFO, where a message may be
  // followed by a wait, go one by one, so that each is printed without waiting for the next.
  bool stream(const bouncekit::cli::input_entry& e, bool batched) {
    std::vector<bouncekit::cli::input_message> messages;
    std::size_t bytes = 0;
    const auto submit_messages = [&] {
      if (messages.empty()) return;
      queue_.submit([this, batch = std::move(messages)] { return classify_all(batch); }, bytes);
      messages.clear();
      bytes = 0;
    };
    const bool readable =
        bouncekit::cli::read_entry(e, classifier_.limits().max_message_bytes, [&](bouncekit::cli::input_message&& m) {
          bytes += m.bytes.size();
          messages.push_back(std::move(m));
          if (!batched || messages.size() >= batch_files || bytes >= batch_bytes) submit_messages();
        });
    submit_messages();
    return readable;
  }

  // Queues the files batched so far as one job.
  void submit_batch() {
    if (batch_.empty()) return;
    queue_.submit([this, batch = std::move(batch_)] { return read_and_classify(batch); }, batch_bytes_);
    batch_.clear();
    batch_bytes_ = 0;
  }

  job_result read_and_classify(const std::vector<bouncekit::cli::input_entry>& batch) const {
    job_result r;
    for (const bouncekit::cli::input_entry& e : batch) {
      r.readable = bouncekit::cli::read_entry(e, classifier_.limits().max_message_bytes,
                                              [&](bouncekit::cli::input_message&& m) { add_record(r, m); }) &&
                   r.readable;
    }
    return r;
  }

  job_result classify_all(const std::vector<bouncekit::cli::input_message>& messages) const {
    job_result r;
    for (const bouncekit::cli::input_message& m : messages) add_record(r, m);
    return r;
  }

  void add_record(job_result& r, const bouncekit::cli::input_message& m) const {
    bouncekit::classification verdict;
    if (m.error) {
      verdict.error = *m.error;
      verdict.type = bouncekit::message_type::unrecognized;
    } else {
      verdict = classifier_.classify(m.bytes);
    }
    verdict.source = m.source;
    if (lines_) {  // the main thread then writes a job's lines at once, and frees one string, not one per message
      r.lines += bouncekit::to_json_line(verdict, explain_);
      r.lines += '\n';
      ++r.line_count;
      return;
    }
    job_result::record& rec = r.records.emplace_back();
    if (json_) {
      rec.line = bouncekit::to_json_line(verdict, explain_);  // formatting scales with the workers too
    } else {
      rec.verdict = std::move(verdict);
    }
  }

  // On the main thread, in input order.
  void print(job_result&& r) {
    if (r.line_count) printer_.add_lines(r.lines, r.line_count);
    for (const auto& rec : r.records) printer_.add(rec.verdict, rec.line);
    done_ += r.line_count + r.records.size();
    path_readable_ = path_readable_ && r.readable;
    if (r.finished_path) {
      if (!path_readable_) {
        all_readable_ = false;
        fmt::print(stderr, "bouncekit: {}: could not be read completely\n", *r.finished_path);
      }
      path_readable_ = true;
    }
    progress_.show(done_, false);
  }

  const bouncekit::classifier& classifier_;
  printer& printer_;
  const bool json_, lines_, explain_;
  progress progress_;
  std::size_t done_ = 0;
  bool path_readable_ = true, all_readable_ = true;
  std::vector<bouncekit::cli::input_entry> batch_;  // files not queued yet, read by one worker when they are
  std::size_t batch_bytes_ = 0;
  bouncekit::cli::ordered_work_queue<job_result> queue_;  // last: its workers use everything above
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
  // Output to a file or pipe goes out in large writes, not one for every few records; a terminal keeps its lines.
  // (glibc ignores the size unless it is given the buffer; a static one outlives the last flush at exit)
  static char stdout_buffer[1u << 20];
  if (isatty(STDOUT_FILENO) == 0) std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
  printer out(opt);
  out.begin();
  bool all_readable = true;
  {
    classify_run run(*classifier, out, jobs);
    for (const std::string& path : opt.paths) run.add_path(path);
    all_readable = run.finish();
  }
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
