// `bouncekit ledger ...`: the bounce ledger from the command line (ingest, sent, status, release, export,
// report). Built when BOUNCEKIT_BUILD_LEDGER is ON; otherwise adding it does nothing.
#pragma once

namespace CLI {
class App;
}

namespace bouncekit::cli {

#ifdef BOUNCEKIT_WITH_LEDGER
// Adds the `ledger` subcommand to `app`. When one of its commands runs (during app.parse), `exit_code` is
// set: 0 success, 1 some input could not be read, 2 usage errors and ledger errors (bad policy, bad store).
void add_ledger_command(CLI::App& app, int& exit_code);
#else
inline void add_ledger_command(CLI::App&, int&) {}
#endif

}  // namespace bouncekit::cli
