#!/usr/bin/env python3
"""Writes the malformed-mail corpus of tests/malformed/ (deterministic: same bytes on every run).

    python3 tests/malformed/make_malformed.py          # (re)write the files beside this script
    python3 tests/malformed/make_malformed.py --check  # exit 1 when a file differs from what would be written

Each case is a message a careless or hostile sender could produce; tests/malformed_test.cpp asserts what the
classifier says about each one. The two huge cases (a 100 MB line, a DSN with 100,000 recipients) are built in
memory by that test, so nothing huge is committed.
"""
import base64
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent

HEAD = (b"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
        b"To: sender@example.com\n"
        b"Subject: Undelivered Mail Returned to Sender\n"
        b"Date: Mon, 3 Mar 2025 10:00:00 +0000\n"
        b"MIME-Version: 1.0\n")

NOTICE = (b"This is the mail system at host mx.example.net.\n"
          b"\n"
          b"<bob@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1 <bob@example.org>:\n"
          b"    Recipient address rejected: User unknown in local recipient table\n"
          b"    (in reply to RCPT TO command)\n")

STATUS = (b"Reporting-MTA: dns; mx.example.net\n"
          b"\n"
          b"Final-Recipient: rfc822; bob@example.org\n"
          b"Action: failed\n"
          b"Status: 5.1.1\n"
          b"Remote-MTA: dns; mx.example.org\n"
          b"Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown\n")

RETURNED = (b"From: sender@example.com\n"
            b"To: bob@example.org\n"
            b"Subject: Spring newsletter\n"
            b"Message-ID: <spring-1@example.com>\n")


def dsn(boundary=b"XYZ", notice=NOTICE, notice_headers=b"Content-Type: text/plain; charset=us-ascii\n",
        status=STATUS, content_type=None):
    """A Postfix-shaped multipart/report DSN for bob@example.org (5.1.1)."""
    ct = content_type if content_type is not None else (
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"" + boundary + b"\"\n")
    return (HEAD + ct + b"\n"
            b"This is a MIME-encapsulated message.\n\n"
            b"--" + boundary + b"\n" + notice_headers + b"\n" + notice + b"\n"
            b"--" + boundary + b"\nContent-Type: message/delivery-status\n\n" + status + b"\n"
            b"--" + boundary + b"\nContent-Type: text/rfc822-headers\n\n" + RETURNED + b"\n"
            b"--" + boundary + b"--\n")


def cut_after(data, marker, extra=0):
    i = data.index(marker) + len(marker) + extra
    return data[:i]


def nested_rfc822(levels):
    inner = dsn()
    out = []
    for i in range(levels):
        out.append(b"From: relay%d@example.net\nSubject: level %d\nMIME-Version: 1.0\n"
                   b"Content-Type: message/rfc822\n\n" % (i, i))
    return b"".join(out) + inner


def nested_multipart(levels, field=b"Content-Type: multipart/mixed"):
    """`levels` multiparts, each the only part of the one around it, with the DSN at the bottom."""
    openers, closers = [], []
    for i in range(levels):
        b = b"L%d" % i
        openers.append(field + b"; boundary=\"" + b + b"\"\n\n--" + b + b"\n")
        closers.append(b"\n--" + b + b"--\n")
    return HEAD + b"".join(openers) + dsn() + b"".join(reversed(closers))


def many_parts(count):
    out = [HEAD, b"Content-Type: multipart/mixed; boundary=\"P\"\n\n"]
    for i in range(count):
        out.append(b"--P\nContent-Type: text/plain\n\npart %d\n" % i)
    out.append(b"--P\nContent-Type: message/delivery-status\n\n" + STATUS)
    out.append(b"--P--\n")
    return b"".join(out)


def with_nuls(data):
    data = data.replace(b"Subject: Undelivered", b"Subject: Undel\0ivered", 1)
    data = data.replace(b"This is the mail system", b"This\0is the\0\0mail system", 1)
    data = data.replace(b"Reporting-MTA: dns; mx.example.net", b"Reporting-MTA: dns; mx.exa\0mple.net", 1)
    return data + b"\0" * 64


def base64_lines(data):
    enc = base64.b64encode(data)
    return b"\n".join(enc[i:i + 76] for i in range(0, len(enc), 76)) + b"\n"


CASES = {}


def case(name):
    def register(fn):
        CASES[name] = fn
        return fn
    return register


case("empty.eml")(lambda: b"")
case("one-byte.eml")(lambda: b"x")
case("truncated-in-headers.eml")(lambda: cut_after(dsn(), b"Content-Type: multipart/rep"))
case("truncated-in-address.eml")(lambda: cut_after(dsn(), b"Final-Recipient: rfc822; bob@exam"))
case("truncated-in-closing-boundary.eml")(lambda: dsn()[:-4])
case("truncated-base64.eml")(lambda: cut_after(
    dsn(notice=base64_lines(NOTICE), notice_headers=b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n"),
    b"base64\n\n", 150))
case("multipart-without-boundary.eml")(lambda: dsn(
    content_type=b"Content-Type: multipart/report; report-type=delivery-status\n"))
case("wrong-boundary.eml")(lambda: dsn(
    content_type=b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"NOT-THE-ONE\"\n"))
case("boundary-mid-line.eml")(lambda: dsn(notice=NOTICE + b"A line that mentions --XYZ in the middle: --XYZ--\n"))
case("unterminated-multipart.eml")(lambda: dsn()[:-len(b"--XYZ--\n")])
case("nested-rfc822-1000.eml")(lambda: nested_rfc822(1000))
case("nested-multipart-40.eml")(lambda: nested_multipart(40))
# Content-Type spellings that mimetic accepts and an earlier pre-scan did not count (300,000 levels of the first
# overflowed the stack inside mimetic; the test builds that one in memory)
case("nested-multipart-blank-before-colon.eml")(lambda: nested_multipart(300, b"Content-Type \t: multipart/mixed"))
case("nested-multipart-type-far-from-colon.eml")(lambda: nested_multipart(300, b"Content-Type:" + b" " * 50 + b"multipart/mixed"))
case("nested-multipart-folded-type.eml")(lambda: nested_multipart(300, b"content-TYPE:\n\tMultipart/Mixed"))
case("too-many-parts.eml")(lambda: many_parts(1200))
case("headers-without-blank-line.eml")(lambda: HEAD.replace(b"MIME-Version: 1.0\n", b"") + NOTICE)
case("headers-only-no-newline.eml")(lambda: HEAD.rstrip(b"\n"))
case("nul-bytes.eml")(lambda: with_nuls(dsn()))
case("8bit-junk-headers.eml")(lambda: dsn().replace(
    b"Subject: Undelivered Mail", b"Subject: Undel\xff\xfe\x80ivered Mail", 1).replace(
    b"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)",
    b"From: MAILER-DAEMON@mx.example.net (Mail \xc3\x28\xa0\xa1 System)", 1).replace(
    b"MIME-Version: 1.0\n", b"MIME-Version: 1.0\nX-\xe9t\xe9: \xf0\x9f\x98\n", 1))
case("invalid-base64.eml")(lambda: dsn(
    notice=b"!!!" + base64_lines(NOTICE).replace(b"\n", b"*&^\n", 3) + b"QUJD=RA\n",
    notice_headers=b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n"))
case("invalid-quoted-printable.eml")(lambda: dsn(
    notice=NOTICE.replace(b"550 5.1.1", b"550=205.1.1=ZZ=4", 1) + b"trailing =\n=",
    notice_headers=b"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n"))
case("unknown-charset.eml")(lambda: dsn(
    notice=NOTICE + b"Gr\xfc\xdfe aus K\xf6ln\n",
    notice_headers=b"Content-Type: text/plain; charset=\"x-klingon-8\"\n"))
case("lying-charset-utf8.eml")(lambda: dsn(
    notice=NOTICE + b"Benutzer unbekannt: M\xfcller \x93quoted\x94\n",
    notice_headers=b"Content-Type: text/plain; charset=utf-8\n"))
case("lying-charset-utf16.eml")(lambda: dsn(
    notice=NOTICE + b"odd\n",
    notice_headers=b"Content-Type: text/plain; charset=utf-16\n"))
case("lying-charset-iso-2022-jp.eml")(lambda: dsn(
    notice=NOTICE + b"\x1b$B\xff\xfe\x1b(B broken escape \x1b$\n",
    notice_headers=b"Content-Type: text/plain; charset=iso-2022-jp\n"))
case("bad-encoded-words.eml")(lambda: dsn().replace(
    b"Subject: Undelivered Mail Returned to Sender",
    b"Subject: =?utf-8?B?VW5kZWxpdmVyZWQ*?= =?x-unknown?Q?Mail=ZZ_Returned?= =?utf-8?X?to?= =?utf-8?B?", 1))


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, make in CASES.items():
        data = make()
        path = HERE / name
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
    if stale:
        print("out of date (run tests/malformed/make_malformed.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
