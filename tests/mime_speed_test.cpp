// Tests for the MIME layer's shortcuts: each must give what the plain way gives (ISO-2022-JP runs copied past
// iconv, bodies written into recycled room) or drop only what is no text (an image labelled text).
#include "mime/decode.hpp"
#include "mime/mime_message.hpp"
#include "mime/mime_parts.hpp"

#include <catch2/catch.hpp>

#include <iconv.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

using namespace bouncekit::detail;

namespace {

// ISO-2022-JP-2 text through one iconv call for all of it, each rejected byte replaced by U+FFFD and skipped
// with the state reset: what to_utf8() gave before it copied ASCII runs itself.
std::string whole_text_through_iconv(std::string_view bytes) {
  const iconv_t cd = iconv_open("UTF-8", "ISO-2022-JP-2");
  REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
  std::string out(bytes.size() * 3 + 16, '\0');
  char* in_ptr = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  char* out_ptr = out.data();
  std::size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<std::size_t>(-1)) break;
    REQUIRE(errno != E2BIG);  // three bytes out for each in is room enough
    std::memcpy(out_ptr, "\xEF\xBF\xBD", 3);
    out_ptr += 3;
    out_left -= 3;
    ++in_ptr;
    --in_left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  iconv(cd, nullptr, nullptr, &out_ptr, &out_left);
  out.resize(static_cast<std::size_t>(out_ptr - out.data()));
  iconv_close(cd);
  return sanitize_utf8(out);
}

}  // namespace

TEST_CASE("ISO-2022-JP: ASCII runs copied past iconv give what one iconv call for the whole text gives") {
  // ESC N then ESC ( B: with ISO-8859-1 in G2 the single shift reads that ESC, and "( B" is text
  const std::string single_shift = "\x1B.Aa\x1BN\x1B(B\x1B$B$\"xyz";
  CHECK(to_utf8(single_shift, "iso-2022-jp") == whole_text_through_iconv(single_shift));
  const std::string mixed = "Dear user,\n\x1B$B$\"$$\x1B(B (a) \xC3\xA9\n\x1B$B0!\x1B(J\\~\x1B(B end";
  CHECK(to_utf8(mixed, "ISO-2022-JP") == whole_text_through_iconv(mixed));
  // random texts of escapes, shifted bytes, ASCII and 8-bit bytes
  const char* const pieces[] = {"\x1B(B", "\x1B$B", "\x1B$(D", "\x1B$(C", "\x1B$A", "\x1B(J", "\x1B(I", "\x1B.A",
                                "\x1B.F", "\x1BN",  "\x1B",   "$\"",     "0!",     "(",      "B",      "x\n",
                                "\x80", "\xFF",  "\xC3\xA9", " text "};
  std::mt19937 random(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (std::size_t n = random() % 24; n > 0; --n) text += pieces[random() % std::size(pieces)];
    CAPTURE(text);
    CHECK(to_utf8(text, "iso-2022-jp") == whole_text_through_iconv(text));
  }
}

TEST_CASE("an image sent as base64 text is read as no text; text stays") {
  const std::string png =
      "Content-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: base64\n\n"
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\n";
  const parsed_message image = parse_message(png, bouncekit::limits{});
  REQUIRE(image.parts.size() == 1);
  CHECK(image.parts[0].is("text", "plain"));
  CHECK(image.parts[0].body.empty());
  const std::string text =
      "Content-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n";
  CHECK(parse_message(text, bouncekit::limits{}).parts[0].body == "Hello");
}

TEST_CASE("bodies written into a recycled part's room are the bodies of a fresh parse") {
  const std::string report =
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nfirst body\n"
      "--b\nContent-Type: text/plain; charset=iso-8859-1\n\ncaf\xE9\n--b--\n";
  const std::string longer =
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n" + std::string(3000, 'x') +
      "\n--b\nContent-Type: text/plain\n\n" + std::string(9000, 'y') + "\n--b--\n";
  const parsed_message fresh = parse_message(report, bouncekit::limits{});
  std::vector<mime_part> parts = parse_message(longer, bouncekit::limits{}).parts;
  REQUIRE(recycle_parts(parts));
  const parsed_message reused = parse_message(report, bouncekit::limits{}, mime_backend::builtin, std::move(parts));
  REQUIRE(reused.parts.size() == fresh.parts.size());
  for (std::size_t i = 0; i < fresh.parts.size(); ++i) CHECK(reused.parts[i].body == fresh.parts[i].body);
  CHECK(reused.parts[2].body == "caf\xC3\xA9");
}

TEST_CASE("content types and charsets are lowered a word at a time as byte by byte") {
  // every length from 1 to 20 (the byte loop, the two words of four, the words of eight and their overlap), with
  // capitals, the bytes either side of 'A' and 'Z', and 8-bit bytes whose low bits are capitals
  const std::string alphabet = "@AZ[`az{Mx\xC1\xDA\x81-";
  for (std::size_t n = 1; n <= 20; ++n) {
    std::string word;
    for (std::size_t i = 0; i < n; ++i) word += alphabet[(i * 7 + n) % alphabet.size()];
    std::string lowered = word;
    for (char& c : lowered)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const std::string raw = "Content-Type: " + word + "/Sub" + word + "; charset=" + word + "\n\nbody\n";
    const parsed_message m = parse_message(raw, bouncekit::limits{});
    REQUIRE(!m.parts.empty());
    CHECK(m.parts[0].type == lowered);
    CHECK(m.parts[0].subtype == "sub" + lowered);
    CHECK(m.parts[0].charset == lowered);
    CHECK(m.content_type == lowered + "/sub" + lowered);
  }
}

TEST_CASE("us-ascii and utf-8 bodies convert as their names normalised would") {
  for (const std::string_view charset : {"us-ascii", "utf-8"}) {
    for (const std::string_view bytes : {std::string_view("plain text"), std::string_view("caf\xC3\xA9"),
                                         std::string_view("caf\xE9 au lait"), std::string_view("\xFF\xFE")}) {
      bool known_moved = false, known = false;
      CHECK(to_utf8_moved(std::string(bytes), charset, &known_moved) == to_utf8(bytes, charset, &known));
      CHECK(known_moved == known);
    }
  }
}

TEST_CASE("lines starting with 'c' bound the containers of a long message as the full scan counts them") {
  // more than 256 nested containers (max_mime_depth 32 x 8) in a message of some KB: the pre-scan must see them
  // (under 16 KB the count of lines comes first, and cannot settle it; past 16 KB only lines starting with 'c')
  std::string raw;
  for (int i = 0; i < 300; ++i) raw += "Content-Type: message/rfc822\n\n";
  CHECK(parse_message(raw + "Subject: inner\n\nx\n", bouncekit::limits{}).error.has_value());
  raw += "Subject: inner\n\n" + std::string(20000, 'x') + "\n";
  CHECK(parse_message(raw, bouncekit::limits{}).error.has_value());
  // few lines, many bytes: the count of lines settles it (no container can fit), and the message is read
  std::string plain = "Content-Type: text/plain\n\n";
  for (int i = 0; i < 100; ++i) plain += std::string(150, 'y') + "\n";
  CHECK(!parse_message(plain, bouncekit::limits{}).error.has_value());
}
