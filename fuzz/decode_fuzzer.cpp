// The decoders of src/mime/decode.hpp (base64, quoted-printable, RFC 2047 encoded words, RFC 2231 values,
// charsets through iconv) and the Content-Type parser. The charset comes from the input: the value after the
// first "charset=", or else the first line, so that iconv is asked for names the fuzzer makes up.
// Every text result must be valid UTF-8; no decoder may grow its input beyond what the encoding allows.
#include "fuzzer_common.hpp"
#include "mime/decode.hpp"
#include "mime/mime_message.hpp"

#include <algorithm>

namespace {

std::string_view charset_of(std::string_view in) {
  std::size_t at = in.find("charset=");
  if (at != std::string_view::npos) {
    std::string_view rest = in.substr(at + 8);
    if (!rest.empty() && rest.front() == '"') rest.remove_prefix(1);
    return rest.substr(0, std::min(rest.find_first_of("\"; \t\r\n"), std::size_t{40}));
  }
  return in.substr(0, std::min(in.find('\n'), std::size_t{40}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bouncekit::detail;
  const std::string_view in = bouncekit::fuzz::as_text(data, size);
  const std::string_view charset = charset_of(in);

  bool ok = true;
  const std::string b64 = decode_base64(in, &ok);
  BOUNCEKIT_FUZZ_CHECK(b64.size() <= in.size() / 4 * 3 + 2);
  const std::string qp = decode_quoted_printable(in);
  BOUNCEKIT_FUZZ_CHECK(qp.size() <= in.size());

  bool known = true;
  for (const std::string_view bytes : {in, std::string_view(b64), std::string_view(qp)})
    BOUNCEKIT_FUZZ_CHECK(is_valid_utf8(to_utf8(bytes, charset, &known)));
  BOUNCEKIT_FUZZ_CHECK(is_valid_utf8(decode_encoded_words(in)));
  // charset'language'value is converted to UTF-8; anything else is returned as written
  const std::string rfc2231 = decode_rfc2231_value(in);
  if (std::count(in.begin(), in.end(), '\'') >= 2)
    BOUNCEKIT_FUZZ_CHECK(is_valid_utf8(rfc2231));
  else
    BOUNCEKIT_FUZZ_CHECK(rfc2231 == in);

  const std::string clean = sanitize_utf8(in);
  BOUNCEKIT_FUZZ_CHECK(is_valid_utf8(clean));
  BOUNCEKIT_FUZZ_CHECK(sanitize_utf8(clean) == clean);
  if (is_valid_utf8(in)) BOUNCEKIT_FUZZ_CHECK(clean == in);

  const content_type ct = parse_content_type(in);
  (void)ct.param("charset");
  (void)ct.param("boundary");
  return 0;
}
