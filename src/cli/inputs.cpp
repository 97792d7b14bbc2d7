#include "cli/inputs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

namespace bouncekit::cli {

namespace fs = std::filesystem;

namespace {

struct file_closer {
  void operator()(std::FILE* f) const noexcept {
    if (f && f != stdin) std::fclose(f);
  }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

// Reads lines (with their '\n') through a large buffer.
class line_reader {
 public:
  explicit line_reader(std::FILE* f) : file_(f), buffer_(1 << 20) {}
  bool next(std::string& line) {
    line.clear();
    while (true) {
      if (pos_ == end_) {
        if (eof_) return !line.empty();
        end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
        pos_ = 0;
        if (end_ == 0) {
          eof_ = true;
          error_ = std::ferror(file_) != 0;
          return !line.empty();
        }
      }
      const char* start = buffer_.data() + pos_;
      const void* nl = std::memchr(start, '\n', end_ - pos_);
      if (nl) {
        const std::size_t n = static_cast<const char*>(nl) - start + 1;
        line.append(start, n);
        pos_ += n;
        return true;
      }
      line.append(start, end_ - pos_);
      pos_ = end_;
    }
  }
  bool failed() const { return error_; }

 private:
  std::FILE* file_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false, error_ = false;
};

bool is_mbox_separator(const std::string& line) { return line.size() > 5 && line.compare(0, 5, "From ") == 0; }

// Streams one file: a single message, or an mbox when its first line is a "From " separator (unless the
// caller knows it is one message, as for *.eml files, whose envelope "From " line is then dropped).
bool read_stream(std::FILE* f, const std::string& source, std::size_t max_bytes, bool single_message,
                 const std::function<void(input_message&&)>& sink) {
  line_reader reader(f);
  std::string line;
  if (!reader.next(line)) {
    if (reader.failed()) {
      sink({source, {}, std::string("read error: ") + std::strerror(errno)});
      return false;
    }
    sink({source, {}, std::nullopt});  // an empty file is an (empty) message
    return true;
  }
  if (!is_mbox_separator(line) || single_message) {
    input_message m{source, is_mbox_separator(line) ? std::string() : std::move(line), std::nullopt};
    std::string more;
    bool truncated = false;
    while (reader.next(more)) {
      if (m.bytes.size() + more.size() > max_bytes + 1) {
        truncated = true;
        continue;  // keep reading to the end, but keep only what the limit allows (the classifier reports it)
      }
      m.bytes += more;
    }
    if (truncated) m.bytes.resize(std::min(m.bytes.size(), max_bytes + 1));
    if (reader.failed()) m.error = "read error";
    sink(std::move(m));
    return true;
  }
  // Messages are emitted one behind, so that a file holding a single message after a "From " line keeps its
  // plain path as source (it is an .eml with an envelope line); real mboxes get path#1, path#2, ...
  std::size_t index = 0;
  input_message current, pending;
  bool have_pending = false;
  bool previous_blank = true;
  auto flush = [&] {
    ++index;
    if (have_pending) sink(std::move(pending));
    pending = std::move(current);
    pending.source = source + "#" + std::to_string(index);
    have_pending = true;
    current = input_message{};
  };
  while (reader.next(line)) {
    if (is_mbox_separator(line) && previous_blank) {
      flush();
      previous_blank = false;
      continue;
    }
    previous_blank = line == "\n" || line == "\r\n";
    std::string_view content(line);
    // mboxrd/mboxo quoting: ">From " -> "From "
    if (content.size() > 5 && content[0] == '>') {
      std::size_t k = 0;
      while (k < content.size() && content[k] == '>') ++k;
      if (content.compare(k, 5, "From ") == 0) content.remove_prefix(1);
    }
    if (current.bytes.size() + content.size() <= max_bytes + 1) current.bytes.append(content);
  }
  flush();
  if (index == 1) pending.source = source;
  sink(std::move(pending));
  return !reader.failed();
}

bool read_file(const fs::path& path, std::size_t max_bytes, const std::function<void(input_message&&)>& sink) {
  file_ptr f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    sink({path.string(), {}, std::string("cannot open: ") + std::strerror(errno)});
    return false;
  }
  return read_stream(f.get(), path.string(), max_bytes, path.extension() == ".eml", sink);
}

}  // namespace

bool read_inputs(const std::string& path, std::size_t max_bytes, const std::function<void(input_message&&)>& sink) {
  if (path == "-") return read_stream(stdin, "-", max_bytes, false, sink);
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    sink({path, {}, "no such file or directory"});
    return false;
  }
  if (!fs::is_directory(st)) return read_file(path, max_bytes, sink);
  // A directory: every regular file below it, sorted for a stable order; dot files and maildir's tmp/ skipped.
  std::vector<fs::path> files;
  bool ok = true;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) {
    sink({path, {}, "cannot read directory: " + ec.message()});
    return false;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      sink({it->path().string(), {}, "cannot read: " + ec.message()});
      ok = false;
      ec.clear();
      continue;
    }
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec)) {
      if (name == "tmp" && fs::exists(p.parent_path() / "cur", ec)) it.disable_recursion_pending();
      continue;
    }
    // golden files and notes that live beside messages in a corpus are not mail
    const std::string ext = p.extension().string();
    if (ext == ".json" || ext == ".jsonl" || ext == ".md" || ext == ".toml") continue;
    if (it->is_regular_file(ec)) files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& p : files)
    if (!read_file(p, max_bytes, sink)) ok = false;
  return ok;
}

}  // namespace bouncekit::cli
