// `bouncekit ledger ...`: ingest, sent, status, release, export, report over one ledger file.
#include "cli/ledger_command.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <bouncekit/bouncekit.hpp>
#include <bouncekit/ledger.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/inputs.hpp"
#include "ledger/time_text.hpp"

namespace bouncekit::cli {

namespace {

using detail::format_time;

struct ledger_options {
  std::string db, policy, now;  // every command
  std::vector<std::string> paths;
  std::string rules_dir;
  bool verbose = false;
  std::string feed;
  std::string target;  // an address, or a Message-ID with --message
  bool by_message = false;
  std::size_t history = 20;
  std::string note = "released by hand";
  bool suppressed = false, quarantined = false;
  std::string status_format = "text", export_format = "csv", report_format = "text";
  std::string from, to;
};

ledger_time parse_time_option(const std::string& text, const char* option) {
  const std::optional<ledger_time> t = detail::parse_time(text);
  if (!t)
    throw ledger_error(
        fmt::format("{} {}: not a time (2024-05-01, 2024-05-01T09:00:00Z or epoch seconds)", option, text));
  return *t;
}

bouncekit::ledger open_ledger(const ledger_options& o) {
  ledger_policy policy = o.policy.empty() ? ledger_policy::defaults() : ledger_policy::from_file(o.policy);
  ledger_clock clock = system_ledger_clock();
  if (!o.now.empty()) {
    const ledger_time fixed = parse_time_option(o.now, "--now");
    clock = [fixed] { return fixed; };
  }
  return bouncekit::ledger(o.db, std::move(policy), std::move(clock));
}

std::string opt_or_dash(const std::optional<std::string>& s) {
  return s ? *s : "-";
}

int run_ingest(const ledger_options& o) {
  const classifier classifier = o.rules_dir.empty() ? bouncekit::classifier() : classifier::from_directory(o.rules_dir);
  bouncekit::ledger ledger = open_ledger(o);
  using clock = std::chrono::steady_clock;
  clock::duration classify_time{}, store_time{};
  std::size_t messages = 0, duplicates = 0, unreadable = 0, recipients = 0, matched = 0, suppressed = 0,
              quarantined = 0;
  bool all_readable = true;
  for (const std::string& path : o.paths) {
    const bool ok = read_inputs(path, classifier.limits().max_message_bytes, [&](input_message&& m) {
      ++messages;
      if (m.error) {
        ++unreadable;
        fmt::print(stderr, "bouncekit: {}: {}\n", m.source, *m.error);
        return;
      }
      const auto t0 = clock::now();
      classification c = classifier.classify(m.bytes);
      c.source = m.source;
      const auto t1 = clock::now();
      const ingest_result r = ledger.ingest(c, m.bytes);
      store_time += clock::now() - t1;
      classify_time += t1 - t0;
      if (o.verbose)
        fmt::print("{}: {} {}, {} recipients, {} matched, {} suppressed, {} quarantined\n", m.source, to_string(c.type),
                   r.duplicate ? "duplicate" : "recorded", r.recipients, r.matched, r.suppressed, r.quarantined);
      duplicates += r.duplicate;
      recipients += r.recipients;
      matched += r.matched;
      suppressed += r.suppressed;
      quarantined += r.quarantined;
    });
    all_readable = all_readable && ok;
  }
  const double store_s = std::chrono::duration<double>(store_time).count();
  const double classify_s = std::chrono::duration<double>(classify_time).count();
  fmt::print("{} messages: {} recorded, {} already in the ledger, {} unreadable\n", messages,
             messages - duplicates - unreadable, duplicates, unreadable);
  fmt::print("{} recipient events, {} matched to sent mail; {} addresses suppressed, {} quarantined by this run\n",
             recipients, matched, suppressed, quarantined);
  fmt::print("classify {:.3f} s, ledger {:.3f} s ({:.0f} messages/s into the ledger)\n", classify_s, store_s,
             store_s > 0 ? static_cast<double>(messages - unreadable) / store_s : 0.0);
  return all_readable && unreadable == 0 ? 0 : 1;
}

int run_sent(const ledger_options& o) {
  bouncekit::ledger ledger = open_ledger(o);
  std::ifstream file;
  if (o.feed != "-") {
    file.open(o.feed);
    if (!file) throw ledger_error(fmt::format("{}: cannot be read", o.feed));
  }
  std::istream& in = o.feed == "-" ? std::cin : file;
  std::vector<sent_mail> batch;
  std::size_t lines = 0, bad = 0, added = 0, total = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++lines;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      batch.push_back(parse_sent_mail(line));
    } catch (const ledger_error& e) {
      ++bad;
      fmt::print(stderr, "bouncekit: {}:{}: {}\n", o.feed, lines, e.what());
      continue;
    }
    if (batch.size() == 10000) {
      total += batch.size();
      added += ledger.record_sent(batch);
      batch.clear();
    }
  }
  total += batch.size();
  added += ledger.record_sent(batch);
  fmt::print("{} sent mails read: {} new, {} already known, {} bad lines\n", total, added, total - added, bad);
  return bad == 0 ? 0 : 1;
}

void print_event_line(const ledger_event& e) {
  std::string what = e.kind == "response"
                         ? fmt::format("{} {} {} {}", opt_or_dash(e.bounce_class), opt_or_dash(e.category),
                                       opt_or_dash(e.reason), opt_or_dash(e.status))
                         : e.kind + (e.reason ? ": " + *e.reason : "");
  std::string line = fmt::format("  {}  {:<52} -> {:<11}", format_time(e.at), what, e.effect);
  if (e.sent_message_id) line += fmt::format("  mail <{}>", *e.sent_message_id);
  if (!e.source.empty()) line += "  " + e.source;
  line.erase(line.find_last_not_of(' ') + 1);
  fmt::print("{}\n", line);
}

nlohmann::ordered_json event_json(const ledger_event& e) {
  auto opt = [](const std::optional<std::string>& s) {
    return s ? nlohmann::ordered_json(*s) : nlohmann::ordered_json();
  };
  return {{"at", format_time(e.at)},
          {"kind", e.kind},
          {"class", opt(e.bounce_class)},
          {"category", opt(e.category)},
          {"reason", opt(e.reason)},
          {"status", opt(e.status)},
          {"diagnostic", opt(e.diagnostic)},
          {"effect", e.effect},
          {"sent_message_id", opt(e.sent_message_id)},
          {"source", e.source}};
}

int run_mail_status(const ledger_options& o, const bouncekit::ledger& ledger) {
  const bool json = o.status_format == "json";
  const auto mails = ledger.sent_status(o.target);
  if (mails.empty()) {
    fmt::print(stderr, "bouncekit: no sent mail with Message-ID {}\n", o.target);
    return 1;
  }
  for (const auto& [m, status] : mails) {
    if (json) {
      nlohmann::ordered_json j = {{"message_id", m.message_id},
                                  {"recipient", m.recipient},
                                  {"sent_at", format_time(m.sent_at)},
                                  {"tag", m.tag},
                                  {"status", to_string(status)}};
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("<{}>  {}  sent {}  {}  {}\n", m.message_id, m.recipient, format_time(m.sent_at),
                 m.tag.empty() ? "-" : m.tag, to_string(status));
    }
  }
  return 0;
}

int run_status(const ledger_options& o) {
  const bouncekit::ledger ledger = open_ledger(o);
  if (o.by_message) return run_mail_status(o, ledger);
  const address_status s = ledger.status(o.target, o.history);
  const auto& p = ledger.policy();
  if (o.status_format == "json") {
    nlohmann::ordered_json j = {
        {"address", s.address},
        {"state", to_string(s.state)},
        {"reason", s.reason},
        {"since", s.since ? nlohmann::ordered_json(format_time(*s.since)) : nullptr},
        {"quarantine_until", s.quarantine_until ? nlohmann::ordered_json(format_time(*s.quarantine_until)) : nullptr},
        {"soft_failures", s.soft_failures},
        {"quarantines", s.quarantines},
        {"history", nlohmann::ordered_json::array()}};
    for (const ledger_event& e : s.history) j["history"].push_back(event_json(e));
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("address      {}\n", s.address);
  fmt::print("state        {}{}\n", to_string(s.state),
             s.quarantine_until ? " until " + format_time(*s.quarantine_until) : "");
  if (s.since) fmt::print("since        {}\n", format_time(*s.since));
  if (!s.reason.empty()) fmt::print("reason       {}\n", s.reason);
  fmt::print("soft count   {} of {} within {}\n", s.soft_failures, p.soft_threshold,
             detail::format_duration(p.soft_window));
  if (p.max_quarantines > 0)
    fmt::print("quarantines  {} of {} (after that, failing again suppresses)\n", s.quarantines, p.max_quarantines);
  else
    fmt::print("quarantines  {}\n", s.quarantines);
  if (s.history.empty()) {
    fmt::print("history      none: this address was never seen\n");
    return 0;
  }
  fmt::print("history, newest first:\n");
  for (const ledger_event& e : s.history) print_event_line(e);
  return 0;
}

int run_release(const ledger_options& o) {
  bouncekit::ledger ledger = open_ledger(o);
  if (ledger.release(o.target, o.note)) {
    fmt::print("{} released: active again\n", o.target);
    return 0;
  }
  fmt::print("{} was not suppressed or quarantined: nothing to release\n", o.target);
  return 0;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + '"';
}

int run_export(const ledger_options& o) {
  if (o.suppressed == o.quarantined)
    throw CLI::ValidationError("ledger export", "give exactly one of --suppressed, --quarantined");
  const bouncekit::ledger ledger = open_ledger(o);
  const auto list = ledger.list(o.suppressed ? address_state::suppressed : address_state::quarantined);
  if (o.export_format == "csv") fmt::print("address,state,since,until,reason\n");
  for (const listed_address& a : list) {
    const std::string until = a.until ? format_time(*a.until) : "";
    if (o.export_format == "csv") {
      fmt::print("{},{},{},{},{}\n", csv_field(a.address), to_string(a.state), format_time(a.since), until,
                 csv_field(a.reason));
    } else {
      nlohmann::ordered_json j = {{"address", a.address},
                                  {"state", to_string(a.state)},
                                  {"since", format_time(a.since)},
                                  {"until", a.until ? nlohmann::ordered_json(until) : nullptr},
                                  {"reason", a.reason}};
      fmt::print("{}\n", j.dump());
    }
  }
  return 0;
}

int run_report(const ledger_options& o) {
  const bouncekit::ledger ledger = open_ledger(o);
  const ledger_time from = o.from.empty() ? ledger_time{} : parse_time_option(o.from, "--from");
  const ledger_time to = o.to.empty() ? ledger.now() + std::chrono::seconds(1) : parse_time_option(o.to, "--to");
  const ledger_report r = ledger.report(from, to);
  if (o.report_format == "json") {
    nlohmann::ordered_json j = {{"from", format_time(r.from)},
                                {"to", format_time(r.to)},
                                {"responses", r.responses},
                                {"unmatched", r.unmatched},
                                {"types", r.types},
                                {"classes", r.classes},
                                {"categories", r.categories},
                                {"mail_statuses", r.mail_statuses},
                                {"address_states", r.address_states}};
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("period       {} .. {}\n", format_time(r.from), format_time(r.to));
  fmt::print("responses    {} ({} matched no sent mail: kept for review)\n", r.responses, r.unmatched);
  auto table = [](const char* title, const std::map<std::string, std::size_t>& counts) {
    std::size_t total = 0;
    for (const auto& [name, n] : counts) total += n;
    fmt::print("\n{:<28} {:>8} {:>7}\n", title, "count", "share");
    for (const auto& [name, n] : counts)
      fmt::print("{:<28} {:>8} {:>6.1f}%\n", name, n, 100.0 * static_cast<double>(n) / static_cast<double>(total));
  };
  table("response type", r.types);
  table("recipient class", r.classes);
  table("category", r.categories);
  table("sent mail status", r.mail_statuses);
  table("address state (now)", r.address_states);
  return 0;
}

// Runs one command, turning errors into a message and exit status 2.
int guarded(int (*run)(const ledger_options&), const ledger_options& o) {
  try {
    return run(o);
  } catch (const CLI::Error& e) {
    fmt::print(stderr, "bouncekit: {}\n", e.what());
  } catch (const std::exception& e) {  // ledger_error, rule_error, bad_alloc
    fmt::print(stderr, "bouncekit ledger: {}\n", e.what());
  }
  return 2;
}

}  // namespace

void add_ledger_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ledger_options>();  // shared by the callbacks, which outlive this function
  CLI::App* ledger =
      app.add_subcommand("ledger", "The bounce ledger: suppression list, quarantine, sent mail statuses");
  ledger->require_subcommand(1);
  auto command = [&](const char* name, const char* help, int (*run)(const ledger_options&)) {
    CLI::App* sub = ledger->add_subcommand(name, help);
    sub->add_option("--db", o->db, "The ledger file (SQLite; created if missing)")
        ->required()
        ->envname("BOUNCEKIT_LEDGER_DB");
    sub->add_option("--policy", o->policy, "A policy TOML file (default: the built-in ledger/policy.toml)")
        ->check(CLI::ExistingFile);
    sub->add_option("--now", o->now, "Take this as the current time (2024-05-01T09:00:00Z), for replays and tests")
        ->envname("BOUNCEKIT_LEDGER_NOW");
    sub->callback([o, run, &exit_code] { exit_code = guarded(run, *o); });
    return sub;
  };

  CLI::App* ingest =
      command("ingest", "Classify messages and record them (files, directories, maildirs, mbox, -)", run_ingest);
  ingest->add_option("paths", o->paths, "Files, directories or - (standard input)")->required();
  ingest->add_flag("--verbose,-v", o->verbose, "One line per message: recorded or duplicate, recipients, effects");
  ingest->add_option("--rules", o->rules_dir, "Use the *.toml rule files of this directory")
      ->check(CLI::ExistingDirectory);

  CLI::App* sent =
      command("sent", "Record sent mail from a JSON-lines feed (message_id, recipient, sent_at, tag, verp)", run_sent);
  sent->add_option("feed", o->feed, "The feed file, or - for standard input")->required();

  CLI::App* status = command("status", "An address's state, reason, quarantine end and history", run_status);
  status->add_option("target", o->target, "The address (or, with --message, a Message-ID)")->required();
  status->add_flag("--message", o->by_message, "Show the status of the sent mail with this Message-ID instead");
  status->add_option("--history", o->history, "How many events to show")->capture_default_str();
  status->add_option("--format", o->status_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  CLI::App* release = command("release", "Put a suppressed or quarantined address back to active", run_release);
  release->add_option("address", o->target, "The address")->required();
  release->add_option("--note", o->note, "Why (kept in the history)")->capture_default_str();

  CLI::App* exp =
      command("export", "List the suppressed or quarantined addresses, for an MTA's suppression list", run_export);
  exp->add_flag("--suppressed", o->suppressed, "The suppression list");
  exp->add_flag("--quarantined", o->quarantined, "The addresses in quarantine now");
  exp->add_option("--format", o->export_format, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();

  CLI::App* report = command("report", "Counts per mail status, class and category over a period", run_report);
  report->add_option("--from", o->from, "Start of the period (default: the beginning)");
  report->add_option("--to", o->to, "End of the period, exclusive (default: now)");
  report->add_option("--format", o->report_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

}  // namespace bouncekit::cli
