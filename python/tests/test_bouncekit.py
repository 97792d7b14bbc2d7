"""Tests of the Python module. Run with the built module on PYTHONPATH:
    PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests
"""
import json
import pathlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import bouncekit

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"

RECIPIENT_FIELDS = [
    "address", "original_recipient", "action", "status", "reply_code", "diagnostic", "remote_mta",
    "reporting_mta", "smtp_command", "stage", "category", "class", "reason", "rule", "feedback_type",
    "recommended_action",
]


@pytest.fixture(scope="module")
def classifier():
    return bouncekit.Classifier()


def raw(name):
    return (CORPUS / name).read_bytes()


def test_version():
    assert bouncekit.__version__.count(".") == 2


def test_hard_bounce(classifier):
    result = classifier.classify(raw("rfc3464/postfix-user-unknown.eml"))
    assert isinstance(result, dict)
    assert list(result)[:6] == ["source", "type", "format", "original", "error", "recipients"]
    assert result["type"] == "bounce"
    assert result["error"] is None
    assert result["original"]["subject"] == "Notes from Monday's planning call"
    (r,) = result["recipients"]
    assert list(r) == RECIPIENT_FIELDS
    assert r["address"] == "bob@example.org"
    assert r["class"] == "hard"
    assert r["category"] == "bad-mailbox"
    assert r["reason"] == "userunknown"
    assert r["status"] == "5.1.1"
    assert r["reply_code"] == "550"
    assert r["stage"] == "recipient"
    assert r["feedback_type"] is None


def test_complaint_and_not_bounce(classifier):
    complaint = classifier.classify(raw("arf/abuse-with-rcpt-to.eml"))
    assert complaint["type"] == "complaint"
    assert complaint["recipients"][0]["class"] == "complaint"
    assert complaint["recipients"][0]["category"] is None
    assert complaint["recipients"][0]["feedback_type"] == "abuse"
    assert complaint["original"]["x_headers"]["X-Campaign-ID"] == "spring-sale-2024-0418"
    ordinary = classifier.classify(raw("not-bounce/newsletter.eml"))
    assert ordinary["type"] == "not-bounce"
    assert ordinary["recipients"] == []


def test_dict_equals_json_for_whole_corpus(classifier):
    files = sorted(CORPUS.rglob("*.eml"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert classifier.classify(data, source=str(path)) == json.loads(
            classifier.classify_json(data, source=str(path))), path


def test_explain(classifier):
    r = classifier.classify(raw("rfc3464/postfix-user-unknown.eml"), explain=True)["recipients"][0]
    assert r["explain"]["decided_by"]
    assert r["explain"]["matches"][0]["rule"] == r["rule"]


def test_input_types(classifier):
    data = raw("rfc3464/postfix-user-unknown.eml")
    expected = classifier.classify(data)
    assert classifier.classify(bytearray(data)) == expected
    assert classifier.classify(memoryview(data)) == expected
    assert classifier.classify(data.decode("utf-8")) == expected
    with pytest.raises(TypeError):
        classifier.classify(12)


def test_malformed_input_never_raises(classifier):
    for junk in [b"", b"\x00\xff\xfe", b"From: MAILER-DAEMON\r\nSubject: \xff failure\r\n\r\n\x80 <a@@b>",
                 b"Content-Type: multipart/report\r\n\r\n--x\r\n" * 50]:
        result = classifier.classify(junk)
        assert result["type"] in {"bounce", "complaint", "auto-reply", "not-bounce", "unrecognized"}
        json.dumps(result)  # only JSON types, valid strings


def test_custom_rules_directory():
    custom = bouncekit.Classifier(ROOT / "rules")
    assert custom.rule_count == bouncekit.Classifier().rule_count > 0
    with pytest.raises(bouncekit.RuleError):
        bouncekit.Classifier("/nonexistent/rules")
    assert issubclass(bouncekit.RuleError, ValueError)


def test_threads_share_one_classifier(classifier):
    files = sorted(CORPUS.rglob("*.eml"))
    messages = [p.read_bytes() for p in files] * 4
    expected = [classifier.classify_json(m) for m in messages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(classifier.classify_json, messages))
    assert got == expected


def test_gil_is_released_while_classifying(classifier):
    # With a long switch interval, a thread that holds the GIL keeps it: the spinning thread can advance
    # while classify() runs only if classify() lets go of the GIL.
    big = raw("rfc3464/postfix-user-unknown.eml") + b"filler line of text\n" * 500_000
    ticks = 0
    done = threading.Event()

    def spin():
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.5)
    t = threading.Thread(target=spin)
    t.start()
    try:
        while ticks == 0:
            time.sleep(0.001)
        advanced = 0
        for _ in range(20):  # a busy machine may not schedule the spinner at once: give it several chances
            time.sleep(0.001)  # take the GIL back afresh: 0.5 s before the spinner may claim it
            before = ticks
            classifier.classify(big)
            advanced += ticks - before
            if advanced:
                break
    finally:
        done.set()
        t.join()
        sys.setswitchinterval(old)
    assert advanced > 0
