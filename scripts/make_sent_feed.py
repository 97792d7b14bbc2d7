#!/usr/bin/env python3
"""Makes a sent-mail feed (JSON lines) for `bouncekit ledger sent` from `bouncekit classify` output.

    ./build/bouncekit classify ../shared/corpus | python3 scripts/make_sent_feed.py --start 2024-05-01T08:00:00Z > sent.jsonl

For every recipient of every response it writes the mail that response answers: the returned Message-ID when
the response carries one, otherwise a made-up one (the ledger then matches by recipient and time). Mails are
one second apart from --start, tagged with the response's family (the file name without its number) as the
campaign. --unanswered N adds N mails that get no response, to show lost-in-space.
"""
import argparse
import datetime
import json
import re
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--start", default="2024-05-01T08:00:00Z", help="time of the first sent mail (UTC)")
    ap.add_argument("--unanswered", type=int, default=100, help="extra mails that get no response")
    args = ap.parse_args()
    t = datetime.datetime.strptime(args.start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    step = datetime.timedelta(seconds=1)

    def line(message_id: str, recipient: str, tag: str) -> None:
        nonlocal t
        print(json.dumps({"message_id": message_id, "recipient": recipient,
                          "sent_at": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "tag": tag}))
        t += step

    for n, text in enumerate(sys.stdin, 1):
        record = json.loads(text)
        source = record.get("source", "")
        tag = re.sub(r"-\d+\.eml$", "", source.rsplit("/", 1)[-1]) or "unknown"
        returned_id = (record.get("original") or {}).get("message_id")
        for i, r in enumerate(record.get("recipients") or []):
            if r.get("address"):
                line(returned_id or f"<sent-{n}-{i}@sender.example>", r["address"], tag)
    for i in range(args.unanswered):
        line(f"<newsletter-{i}@sender.example>", f"reader{i}@example.com", "newsletter")
    return 0


if __name__ == "__main__":
    sys.exit(main())
