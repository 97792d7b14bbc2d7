#include "mime/decode.hpp"
#include "mime/mime_parts.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cstring>

namespace bouncekit::detail {

std::string_view content_type::param(std::string_view name) const noexcept {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return {};
}

content_type parse_content_type(std::string_view value) {
  content_type ct;
  std::size_t semi = find_char(value, ';');
  std::string_view media = trim(value.substr(0, semi));
  // strip a comment: text/plain (comment)
  if (const auto paren = find_char(media, '('); paren != std::string_view::npos) media = trim(media.substr(0, paren));
  const std::size_t slash = find_char(media, '/');
  if (slash != std::string_view::npos) {
    ct.type = ascii_lower(trim(media.substr(0, slash)));
    std::string_view sub = trim(media.substr(slash + 1));
    // "text/plain charset=x" (a missing ';') still means text/plain
    // (a loop, not find_first_of, which calls memchr for every byte)
    const auto space = std::find_if(sub.begin(), sub.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
    sub = sub.substr(0, static_cast<std::size_t>(space - sub.begin()));
    ct.subtype = ascii_lower(sub);
  } else {
    ct.type = ascii_lower(media);
  }
  // parameters: name=value, name="quoted", name*=charset''pct, name*0=..., name*1*=...
  struct piece {
    std::string name;
    int index;
    bool extended;
    std::string value;
  };
  std::vector<piece> pieces;
  // Without RFC 2231 names ("name*", "name*0") every parameter is kept as it comes: no pieces to sort and
  // join (a repeated name still has its values joined, as the pieces would).
  const bool simple =
      find_char(value, '*', semi == std::string_view::npos ? value.size() : semi) == std::string_view::npos;
  std::size_t pos = semi;
  if (semi != std::string_view::npos) ct.params.reserve(4);  // one allocation for the usual one to three
  while (pos != std::string_view::npos && pos < value.size()) {
    ++pos;  // past ';'
    while (pos < value.size() && is_space(value[pos])) ++pos;
    const std::size_t eq = find_char(value, '=', pos);
    if (eq == std::string_view::npos) break;
    std::string name = ascii_lower(trim(value.substr(pos, eq - pos)));
    std::size_t v = eq + 1;
    while (v < value.size() && is_space(value[v])) ++v;
    std::string val;
    if (v < value.size() && value[v] == '"') {
      ++v;
      const std::size_t close = find_char(value, '"', v);
      const std::string_view quoted = value.substr(v, close == std::string_view::npos ? std::string_view::npos : close - v);
      if (quoted.find('\\') == std::string_view::npos) {  // the usual case: nothing escaped
        val.assign(quoted);
        v += quoted.size();
      } else {
        while (v < value.size() && value[v] != '"') {
          if (value[v] == '\\' && v + 1 < value.size()) ++v;
          val += value[v++];
        }
      }
      pos = find_char(value, ';', v);
    } else {
      const std::size_t end = find_char(value, ';', v);
      val = std::string(trim(value.substr(v, end == std::string_view::npos ? std::string_view::npos : end - v)));
      pos = end;
    }
    if (simple) {
      const auto known = std::find_if(ct.params.begin(), ct.params.end(), [&](const auto& kv) { return kv.first == name; });
      if (known == ct.params.end()) ct.params.emplace_back(std::move(name), std::move(val));
      else known->second += val;
      continue;
    }
    piece p{name, -1, false, std::move(val)};
    if (!p.name.empty() && p.name.back() == '*') {
      p.extended = true;
      p.name.pop_back();
    }
    if (const auto star = find_char(p.name, '*'); star != std::string::npos) {
      int index = 0;
      for (std::size_t k = star + 1; k < p.name.size() && is_digit(p.name[k]) && index < 10000; ++k)
        index = index * 10 + (p.name[k] - '0');
      p.index = index;
      p.name.resize(star);
    }
    pieces.push_back(std::move(p));
  }
  // join continuations in index order
  std::stable_sort(pieces.begin(), pieces.end(), [](const piece& a, const piece& b) {
    return a.name != b.name ? a.name < b.name : a.index < b.index;
  });
  for (std::size_t i = 0; i < pieces.size();) {
    std::size_t j = i;
    std::string joined;
    bool extended = pieces[i].extended;
    while (j < pieces.size() && pieces[j].name == pieces[i].name) {
      joined += pieces[j].value;
      ++j;
    }
    std::string decoded = extended ? decode_rfc2231_value(joined) : joined;
    if (std::none_of(ct.params.begin(), ct.params.end(), [&](const auto& kv) { return kv.first == pieces[i].name; }))
      ct.params.emplace_back(pieces[i].name, std::move(decoded));
    i = j;
  }
  return ct;
}

namespace {

// s[from, to), `to` cut at s.size() (npos: the rest), where from <= to and from <= s.size(): substr() without
// the check that each of its calls repeated.
std::string_view cut(std::string_view s, std::size_t from, std::size_t to) noexcept {
  return {s.data() + from, std::min(to, s.size()) - from};
}

}  // namespace

bool read_simple_content_type(std::string_view value, content_type_views& out) noexcept {
  // the same walk as parse_content_type(), with views for strings
  const std::size_t semi = find_char(value, ';');
  std::string_view media = trim(cut(value, 0, semi));
  if (const auto paren = find_char(media, '('); paren != std::string_view::npos)
    media = trim(std::string_view(media.data(), paren));
  const std::size_t slash = find_char(media, '/');
  if (slash != std::string_view::npos) {
    out.type = trim(std::string_view(media.data(), slash));
    std::string_view sub = trim(cut(media, slash + 1, std::string_view::npos));
    const auto space = std::find_if(sub.begin(), sub.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
    out.subtype = std::string_view(sub.data(), static_cast<std::size_t>(space - sub.begin()));
  } else {
    out.type = media;
    out.subtype = {};
  }
  if (semi != std::string_view::npos && find_char(value, '*', semi) != std::string_view::npos)
    return false;  // RFC 2231
  bool seen[3] = {false, false, false};
  std::string_view* const wanted[3] = {&out.boundary, &out.charset, &out.report_type};
  constexpr std::string_view names[3] = {"boundary", "charset", "report-type"};
  std::size_t pos = semi;
  while (pos != std::string_view::npos && pos < value.size()) {
    ++pos;  // past ';'
    while (pos < value.size() && is_space(value[pos])) ++pos;
    const std::size_t eq = find_char(value, '=', pos);
    if (eq == std::string_view::npos) break;
    const std::string_view name = trim(cut(value, pos, eq));
    std::size_t v = eq + 1;
    while (v < value.size() && is_space(value[v])) ++v;
    std::string_view val;
    if (v < value.size() && value[v] == '"') {
      ++v;
      const std::size_t close = find_char(value, '"', v);
      val = cut(value, v, close);
      if (find_char(val, '\\') != std::string_view::npos) return false;  // escapes to undo
      v += val.size();
      pos = find_char(value, ';', v);
    } else {
      const std::size_t end = find_char(value, ';', v);
      val = trim(cut(value, v, end));
      pos = end;
    }
    for (int k = 0; k < 3; ++k) {
      if (!iequals(name, names[k])) continue;
      if (seen[k]) return false;  // a repeated parameter: its values are joined
      seen[k] = true;
      *wanted[k] = val;
    }
  }
  return true;
}

namespace {

// Bytes gathered on the stack and appended to a string a few KB at a time: an append per line (its capacity
// check and memcpy call) cost more than the line's bytes. What is gathered reaches the string at flush().
class chunked_writer {
 public:
  explicit chunked_writer(std::string& out) noexcept : out_(out) {}
  chunked_writer(const chunked_writer&) = delete;
  chunked_writer& operator=(const chunked_writer&) = delete;

  void write(const char* from, std::size_t n) {
    if (n > sizeof buffer_ - used_) {
      flush();
      if (n > sizeof buffer_) {
        out_.append(from, n);
        return;
      }
    }
    std::memcpy(buffer_ + used_, from, n);
    used_ += n;
  }
  void put(char c) {
    if (used_ == sizeof buffer_) flush();
    buffer_[used_++] = c;
  }
  void flush() {
    out_.append(buffer_, used_);
    used_ = 0;
  }

 private:
  std::string& out_;
  std::size_t used_ = 0;
  char buffer_[4096];
};

}  // namespace

std::string normalise_line_endings(std::string_view raw) {
  // CRLF and LF become LF; so does a run of CRs before an LF ("\r\r\n" is a broken CRLF, not a blank
  // line); bare CRs elsewhere are line ends of their own (classic Mac files). The result is never longer than
  // `raw`: its room is reserved.
  std::string out;
  out.reserve(raw.size());
  chunked_writer w(out);
  const char* p = raw.data();
  const char* const end = p + raw.size();
  while (p != end) {
    const char* cr = find_byte(p, static_cast<std::size_t>(end - p), '\r');
    if (!cr) {
      w.write(p, static_cast<std::size_t>(end - p));
      break;
    }
    w.write(p, static_cast<std::size_t>(cr - p));
    const char* after = cr + 1;  // past the run of CRs
    while (after != end && *after == '\r') ++after;
    if (after != end && *after == '\n') {
      w.put('\n');
      p = after + 1;
    } else {
      for (const char* c = cr; c != after; ++c) w.put('\n');
      p = after;
    }
  }
  w.flush();
  return out;
}

std::string mime_part::header(std::string_view name) const {
  const header_field* f = find_field(headers, name);
  return f ? decode_encoded_words(f->value) : std::string();
}

}  // namespace bouncekit::detail
