#include "mime/decode.hpp"

#include <catch2/catch.hpp>

using namespace bouncekit::detail;

TEST_CASE("base64 decodes, skipping line breaks and reporting junk") {
  bool ok = false;
  CHECK(decode_base64("SGVsbG8s\nIHdvcmxk\n", &ok) == "Hello, world");
  CHECK(ok);
  CHECK(decode_base64("SGVs*bG8=", &ok) == "Hello");
  CHECK_FALSE(ok);
  CHECK(decode_base64("", &ok).empty());
  // every byte value is safe to feed in
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  CHECK_NOTHROW(decode_base64(all));
}

TEST_CASE("quoted-printable handles soft breaks and keeps malformed escapes") {
  CHECK(decode_quoted_printable("caf=C3=A9 =\nau lait") == "caf\xC3\xA9 au lait");
  CHECK(decode_quoted_printable("100=%") == "100=%");
  CHECK(decode_quoted_printable("end=") == "end");
  CHECK(decode_quoted_printable("=4") == "=4");
}

TEST_CASE("RFC 2047 encoded words become UTF-8") {
  CHECK(decode_encoded_words("=?UTF-8?B?QWJ3ZXNlbmhlaXRzbm90aXo=?=") == "Abwesenheitsnotiz");
  CHECK(decode_encoded_words("=?iso-8859-1?Q?R=E9ponse_automatique?=") == "R\xC3\xA9ponse automatique");
  // whitespace between adjacent encoded words disappears, text around them stays
  CHECK(decode_encoded_words("Re: =?utf-8?q?a?= =?utf-8?q?b?= c") == "Re: ab c");
  // ISO-2022-JP "自動応答"
  CHECK(decode_encoded_words("=?ISO-2022-JP?B?GyRCPCtGMDF+RXobKEI=?=") == "\xE8\x87\xAA\xE5\x8B\x95\xE5\xBF\x9C\xE7\xAD\x94");
  CHECK(decode_encoded_words("=?bogus") == "=?bogus");
}

TEST_CASE("charsets convert to UTF-8, unknown ones fall back safely") {
  bool known = false;
  CHECK(to_utf8("\xF0\xD2\xC9\xD7\xC5\xD4", "koi8-r", &known) == "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  CHECK(known);
  CHECK(to_utf8("caf\xE9", "x-unknown-9", &known) == "caf\xC3\xA9");
  CHECK_FALSE(known);
  CHECK(to_utf8("caf\xE9", "us-ascii") == "caf\xC3\xA9");  // 8-bit text that lies about being ASCII
  CHECK(is_valid_utf8(to_utf8("\x82\xA0\xFF\xFF", "shift_jis")));
}

TEST_CASE("ISO-2022 text: ASCII passes through, 8-bit bytes become U+FFFD, shifted text is converted") {
  bool known = false;
  CHECK(to_utf8("Delivery failed\n\tto <a@b.example>", "iso-2022-jp", &known) == "Delivery failed\n\tto <a@b.example>");
  CHECK(known);
  // ESC $ B ... ESC ( B: "\u3042" (hiragana a) in JIS X 0208
  CHECK(to_utf8("x\x1B$B$\"\x1B(By", "iso-2022-jp") == "x\xE3\x81\x82y");
  CHECK(to_utf8("plain", "iso-2022-unknown", &known) == "plain");
  CHECK_FALSE(known);  // an unknown ISO-2022 name is still reported
  CHECK(to_utf8("a\x7F", "iso-2022-cn") == "a\xEF\xBF\xBD");  // DEL is not ASCII text there
  // UTF-8 under an ISO-2022-JP label: iconv rejects each 8-bit byte
  CHECK(to_utf8("caf\xC3\xA9!", "iso-2022-jp") == "caf\xEF\xBF\xBD\xEF\xBF\xBD!");
  CHECK(to_utf8("\x01\xFF", "iso-2022-kr") == "\x01\xEF\xBF\xBD");
  CHECK(to_utf8("\xFF\x1B$B$\"\x1B(B", "iso-2022-jp") == "\xEF\xBF\xBD\xE3\x81\x82");  // a shift: iconv decides
}

TEST_CASE("RFC 2231 values and UTF-8 sanitising") {
  CHECK(decode_rfc2231_value("utf-8''%E2%82%AC%20rates") == "\xE2\x82\xAC rates");
  CHECK(sanitize_utf8("ok\xC3") == "ok\xEF\xBF\xBD");
  CHECK(sanitize_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate is not UTF-8
}

TEST_CASE("UTF-8 validation finds a bad byte at any place and length (word, block and tail paths)") {
  for (std::size_t size = 1; size <= 150; ++size) {
    for (std::size_t at = 0; at < size; ++at) {
      std::string text(size, 'a');
      text[at] = '\xFF';  // never valid
      CAPTURE(size, at);
      CHECK_FALSE(is_valid_utf8(text));
      text[at] = '\xC3';  // a lead byte: before 'a', or at the end, it is cut short
      CHECK_FALSE(is_valid_utf8(text));
      if (at + 1 == size) continue;
      text[at + 1] = '\xA9';
      CHECK(is_valid_utf8(text));
    }
    CHECK(is_valid_utf8(std::string(size, 'a')));
  }
}

TEST_CASE("UTF-8 is validated the same across short and long ASCII runs") {
  // short runs between Cyrillic words (passed a word at a time), long runs (passed by blocks), and a bad byte
  // at every distance from the run before it
  const std::string words = "\xD0\x9F\xD1\x80\xD0\xB8 \xD0\xB2\xD0\xB5\xD1\x82 12 \xD0\xBC\xD0\xB8\xD1\x80";
  CHECK(is_valid_utf8(words));
  CHECK(is_valid_utf8(words + std::string(100, 'a') + words));
  for (std::size_t run = 0; run < 20; ++run) {
    const std::string bad = words + std::string(run, ' ') + "\xC3" + std::string(10, 'b');
    CHECK_FALSE(is_valid_utf8(bad));
    CHECK(is_valid_utf8(words + std::string(run, ' ') + "\xC3\xA9" + std::string(10, 'b')));
  }
}
