# A whole `bouncekit ledger` session over the bundled corpus, checking what each command prints.
# Usage: cmake -DCLI=path/to/bouncekit -DCORPUS=corpus -DWORK=scratch/dir -P ledger_cli_session.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(db "${WORK}/ledger.db")

# run(<expected exit code> <regex the output must match> args...)
function(run expected_code expected_output)
  execute_process(COMMAND "${CLI}" ledger ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "bouncekit ledger ${ARGN}\n${out}${err}")
  if(NOT code EQUAL expected_code)
    message(FATAL_ERROR "exit status ${code}, expected ${expected_code}")
  endif()
  if(NOT "${out}${err}" MATCHES "${expected_output}")
    message(FATAL_ERROR "output does not match '${expected_output}'")
  endif()
endfunction()

# The mail that corpus/rfc3464/postfix-user-unknown.eml answers, and one that gets no answer.
file(WRITE "${WORK}/sent.jsonl"
  "{\"message_id\": \"<a3f1c2d4-77e1-4b0e-9d2a-1f0c5e8b6a11@example.com>\", \"recipient\": \"bob@example.org\", \"sent_at\": \"2024-03-05T08:14:03Z\", \"tag\": \"planning\"}\n"
  "{\"message_id\": \"<never-answered@example.com>\", \"recipient\": \"zoe@example.org\", \"sent_at\": \"2024-03-05T08:15:00Z\", \"tag\": \"planning\"}\n"
  "not json\n")

run(1 "2 sent mails read: 2 new, 0 already known, 1 bad lines" sent --db "${db}" "${WORK}/sent.jsonl")
run(0 "messages: [0-9]+ recorded, 0 already in the ledger" ingest --db "${db}" --now 2024-03-05T10:00:00Z "${CORPUS}")
run(0 "messages: 0 recorded, [0-9]+ already in the ledger" ingest --db "${db}" --now 2024-03-05T11:00:00Z "${CORPUS}")
run(0 "state +suppressed.*mail <a3f1c2d4" status --db "${db}" --now 2024-03-05T11:00:00Z Bob@Example.org)
run(0 "a3f1c2d4-77e1-4b0e-9d2a-1f0c5e8b6a11@example.com>  bob@example.org .* bounced-hard"
    status --db "${db}" --message "<a3f1c2d4-77e1-4b0e-9d2a-1f0c5e8b6a11@example.com>")
# (two checks: "(.*\n)*" in one CMake regex backtracks for minutes once the export has a few dozen lines)
run(0 "^address,state,since,until,reason\n" export --db "${db}" --suppressed)
run(0 "\nbob@example.org,suppressed," export --db "${db}" --suppressed)
run(0 "\"address\":\"bob@example.org\"" export --db "${db}" --suppressed --format jsonl)
run(0 "lost-in-space +1 .*address state" report --db "${db}" --now 2024-03-09T00:00:00Z)
run(0 "\"bounced-hard\":1" report --db "${db}" --now 2024-03-09T00:00:00Z --format json)
run(0 "bob@example.org released" release --db "${db}" --now 2024-03-10T00:00:00Z bob@example.org)
run(0 "state +active" status --db "${db}" --now 2024-03-10T00:00:00Z bob@example.org)
run(0 "nothing to release" release --db "${db}" bob@example.org)
file(WRITE "${WORK}/bad-policy.toml" "[soft]\nthreshold = \"three\"\n")
run(2 "bad-policy.toml:2: 'threshold' must be an integer" report --db "${db}" --policy "${WORK}/bad-policy.toml")
run(2 "--now yesterday: not a time" report --db "${db}" --now yesterday)
run(2 "give exactly one of" export --db "${db}")
