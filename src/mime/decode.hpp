// Decoders for the transfer encodings, header encodings and charsets of mail. All of them are total: any
// byte sequence decodes to something, and what was wrong is reported through `ok`/return values, never by
// throwing or reading out of bounds.
#pragma once

#include <string>
#include <string_view>

namespace bouncekit::detail {

// RFC 2045 base64; characters outside the alphabet are skipped. `ok` is false when junk or a bad tail was seen.
std::string decode_base64(std::string_view in, bool* ok = nullptr);

// RFC 2045 quoted-printable; a malformed "=XY" is kept literally.
std::string decode_quoted_printable(std::string_view in);

// Converts `bytes` in `charset` (any IANA name or alias iconv knows) to valid UTF-8. Unknown charsets fall back
// to Windows-1252 when the bytes are not UTF-8; invalid sequences become U+FFFD. `known` is set to false when
// the charset name was not recognised.
std::string to_utf8(std::string_view bytes, std::string_view charset, bool* known = nullptr);
// The same, reusing `bytes` when they need no conversion.
std::string to_utf8_moved(std::string&& bytes, std::string_view charset, bool* known = nullptr);

// Makes arbitrary bytes valid UTF-8 (invalid sequences become U+FFFD).
std::string sanitize_utf8(std::string_view bytes);
bool is_valid_utf8(std::string_view bytes) noexcept;

// Decodes RFC 2047 encoded words (=?charset?B|Q?...?=) in a header value; the result is UTF-8.
std::string decode_encoded_words(std::string_view value);

// Decodes an RFC 2231 extended parameter value: charset'language'percent-encoded.
std::string decode_rfc2231_value(std::string_view value);

}  // namespace bouncekit::detail
