#include "cli/inputs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bouncekit::cli {

namespace fs = std::filesystem;

namespace {

// A file descriptor, closed when it goes: files are read with plain read() calls into buffers of our own, as a
// stdio stream would add a second buffer, a copy and system calls of its own (a stat for its buffer's size, a
// read to see the end) for every small file.
class file_descriptor {
 public:
  explicit file_descriptor(int fd) : fd_(fd) {}
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// read() that retries when a signal interrupts it.
ssize_t read_some(int fd, char* into, std::size_t size) {
  while (true) {
    const ssize_t n = ::read(fd, into, size);
    if (n >= 0 || errno != EINTR) return n;
  }
}

// Reads a regular file of `size` bytes (as fstat said) whole into `out`: one read() when the file still has that
// size, as a short read of a regular file means its end. A file that grew since is read to its end. False on a
// read error (errno tells which), with what was read before it in `out`.
bool read_whole(int fd, std::size_t size, std::string& out) {
  out.resize(size + 1);  // one byte more than expected, to see the end without a second read
  std::size_t got = 0;
  while (true) {
    const ssize_t n = read_some(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      out.resize(got);
      return false;
    }
    got += static_cast<std::size_t>(n);
    if (n == 0 || (got == size && got < out.size())) break;
    if (got == out.size()) out.resize(2 * out.size());
  }
  out.resize(got);
  return true;
}

// Reads lines (with their line ends) through a large buffer. A line ends at LF, CRLF, or a CR that no LF
// follows (files with classic Mac line endings, which mbox files can have too).
class line_reader {
 public:
  static constexpr std::size_t max_capacity = 1 << 20;
  // `capacity`: the buffer size; a small file needs no more than its size plus one byte (to see its end).
  line_reader(int fd, std::size_t capacity)
      : fd_(fd), buffer_(std::clamp<std::size_t>(capacity, 4096, max_capacity), '\0') {}
  // The lines of `content`, read already (`failed`: the read stopped at an error).
  line_reader(std::string content, bool failed)
      : end_(content.size()), eof_(true), error_(failed), buffer_(std::move(content)) {}
  bool next(std::string& line) {
    line.clear();
    while (true) {
      if (!fill()) return !line.empty();
      if (pending_cr_) {  // the previous chunk ended in CR: it ends the line, with the LF if one follows
        pending_cr_ = false;
        if (buffer_[pos_] == '\n') line += buffer_[pos_++];
        return true;
      }
      const char* start = buffer_.data() + pos_;
      const char* const end = buffer_.data() + end_;
      const char* stop = buffer_.data() + line_break();
      if (stop == end) {
        line.append(start, end - start);
        pos_ = end_;
        continue;
      }
      if (*stop == '\n') {
        line.append(start, stop - start + 1);
        pos_ += static_cast<std::size_t>(stop - start) + 1;
        return true;
      }
      // a CR: include a following LF, which may be in the next chunk
      line.append(start, stop - start + 1);
      pos_ += static_cast<std::size_t>(stop - start) + 1;
      if (pos_ < end_) {
        if (buffer_[pos_] == '\n') line += buffer_[pos_++];
        return true;
      }
      pending_cr_ = true;
      if (!fill()) return true;
    }
  }
  // The next line as a view, valid until the next call: into the buffer when the line lies within it, as nearly
  // all do, so that it is not copied on its way into its message; else into a copy the reader keeps.
  bool next(std::string_view& line) {
    if (fill() && !pending_cr_) {
      const std::size_t stop = line_break();
      if (stop < end_ && (buffer_[stop] == '\n' || stop + 1 < end_)) {  // a CR must show what follows it
        std::size_t after = stop + 1;
        if (buffer_[stop] == '\r' && buffer_[after] == '\n') ++after;
        line = std::string_view(buffer_.data() + pos_, after - pos_);
        pos_ = after;
        return true;
      }
    }
    if (!next(carry_)) return false;
    line = carry_;
    return true;
  }
  // Appends everything not read yet: the same bytes as the lines next() would give, in one piece.
  void append_rest(std::string& out) {
    pending_cr_ = false;
    while (fill()) {
      out.append(buffer_.data() + pos_, end_ - pos_);
      pos_ = end_;
    }
  }
  bool failed() const { return error_; }

 private:
  // Makes sure unread bytes are buffered; false at the end of the file.
  bool fill() {
    if (pos_ < end_) return true;
    if (eof_) {
      pending_cr_ = false;
      return false;
    }
    const ssize_t n = read_some(fd_, buffer_.data(), buffer_.size());
    pos_ = 0;
    lf_ = cr_ = std::string::npos;
    end_ = n > 0 ? static_cast<std::size_t>(n) : 0;
    if (end_ == 0) {
      eof_ = true;
      error_ = n < 0;
      pending_cr_ = false;
      return false;
    }
    return true;
  }

  // The position of the first CR or LF from pos_ on in the buffer, or end_. Each is looked for with memchr and
  // its position kept until a line passes it: a buffer without CRs is searched for one once, not once per line,
  // and lines that end in lone CRs do not make every line look for the LF again.
  std::size_t line_break() {
    if (lf_ < pos_ || lf_ > end_) lf_ = find(pos_, '\n');
    if (cr_ < pos_ || cr_ > end_) cr_ = find(pos_, '\r');
    return std::min(lf_, cr_);
  }
  std::size_t find(std::size_t from, char c) const {
    const void* at = std::memchr(buffer_.data() + from, c, end_ - from);
    return at ? static_cast<std::size_t>(static_cast<const char*>(at) - buffer_.data()) : end_;
  }

  int fd_ = -1;
  std::string carry_;  // a line that spans two reads, for next(std::string_view&)
  std::size_t lf_ = std::string::npos, cr_ = std::string::npos;  // see line_break(); npos after a refill
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false, error_ = false, pending_cr_ = false;
  std::string buffer_;
};

bool is_mbox_separator(std::string_view line) { return line.size() > 5 && line.compare(0, 5, "From ") == 0; }

// The end of the first line of `text` (LF, CRLF or a lone CR ends it, as for line_reader).
std::size_t first_line_end(std::string_view text) {
  const std::size_t end = text.find_first_of("\r\n");
  if (end == std::string_view::npos) return text.size();
  if (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') return end + 2;
  return end + 1;
}

bool read_lines(line_reader& reader, const std::string& source, std::size_t max_bytes, bool single_message,
                std::size_t file_size, const std::function<void(input_message&&)>& sink);

// Streams one file: a single message, or an mbox when its first line is a "From " separator (unless the
// caller knows it is one message, as for *.eml files, whose envelope "From " line is then dropped).
bool read_stream(int fd, const std::string& source, std::size_t max_bytes, bool single_message,
                 const std::function<void(input_message&&)>& sink) {
  struct stat sb {};
  if (::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0) {  // a pipe: its size is unknown
    line_reader reader(fd, line_reader::max_capacity);
    return read_lines(reader, source, max_bytes, single_message, std::string::npos, sink);
  }
  const auto file_size = static_cast<std::size_t>(sb.st_size);
  if (file_size > max_bytes) {  // an mbox, or one message the classifier will say is too big: read line by line
    line_reader reader(fd, file_size + 1);  // many small files are read on worker threads: no larger buffer
    return read_lines(reader, source, max_bytes, single_message, file_size, sink);
  }
  // A file within the limit, as nearly all are, is read whole straight into the message it most likely is.
  std::string content;
  const bool failed = !read_whole(fd, file_size, content);
  if (failed && content.empty()) {
    sink({source, {}, std::string("read error: ") + std::strerror(errno)});
    return false;
  }
  const std::size_t first_end = first_line_end(content);
  const bool separator = is_mbox_separator(std::string_view(content).substr(0, first_end));
  if (!separator || single_message) {
    if (separator) content.erase(0, first_end);
    if (content.size() > max_bytes + 1) content.resize(max_bytes + 1);  // it grew since: the classifier says so
    sink({source, std::move(content), failed ? std::optional<std::string>("read error") : std::nullopt});
    return true;
  }
  line_reader reader(std::move(content), failed);
  return read_lines(reader, source, max_bytes, single_message, file_size, sink);
}

// The messages of `reader`'s lines: see read_stream.
bool read_lines(line_reader& reader, const std::string& source, std::size_t max_bytes, bool single_message,
                std::size_t file_size, const std::function<void(input_message&&)>& sink) {
  std::string_view line;
  if (!reader.next(line)) {
    if (reader.failed()) {
      sink({source, {}, std::string("read error: ") + std::strerror(errno)});
      return false;
    }
    sink({source, {}, std::nullopt});  // an empty file is an (empty) message
    return true;
  }
  if (!is_mbox_separator(line) || single_message) {
    input_message m{source, is_mbox_separator(line) ? std::string() : std::string(line), std::nullopt};
    if (file_size <= max_bytes) {  // a file within the limit: the rest in one piece, not line by line
      reader.append_rest(m.bytes);
      if (m.bytes.size() > max_bytes + 1) m.bytes.resize(max_bytes + 1);  // it grew since: the classifier says so
      if (reader.failed()) m.error = "read error";
      sink(std::move(m));
      return true;
    }
    std::string_view more;
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
    previous_blank = line == "\n" || line == "\r\n" || line == "\r";
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
  const file_descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    sink({path.string(), {}, std::string("cannot open: ") + std::strerror(errno)});
    return false;
  }
  return read_stream(fd.get(), path.string(), max_bytes, path.extension() == ".eml", sink);
}

}  // namespace

bool list_inputs(const std::string& path, const std::function<void(input_entry&&)>& visit) {
  if (path == "-") {
    visit({path, std::nullopt, true});
    return true;
  }
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    // a missing path, a dangling symlink, a symlink loop (ELOOP), a directory we may not search
    visit({path, ec && ec != std::errc::no_such_file_or_directory ? "cannot read: " + ec.message()
                                                                   : std::string("no such file or directory")});
    return false;
  }
  if (!fs::is_directory(st)) {
    visit({path, std::nullopt});
    return true;
  }
  // A directory: every regular file below it, sorted for a stable order; dot files and maildir's tmp/ skipped.
  // Directory symlinks are followed, but a directory already on the way down (a symlink loop) or already read
  // (two links to one place) is not entered again. What cannot be read gets a record with an error, in order.
  // Entries are sorted as paths compare, component by component: as strings in which every '/' is a byte below
  // any other, which a path's components cannot hold. (All share the listed directory's path as a prefix.)
  struct entry {
    std::string path;
    std::optional<std::string> error;
    std::string key;  // the path with every '/' made '\0'
    bool operator<(const entry& other) const { return key < other.key; }
  };
  std::vector<entry> entries;
  const auto add = [&](const std::string& p, std::optional<std::string> error) {
    std::string key = p;
    std::replace(key.begin(), key.end(), '/', '\0');
    entries.push_back({p, std::move(error), std::move(key)});
  };
  bool ok = true;
  auto fail = [&](const std::string& p, std::string what) {
    add(p, std::move(what));
    ok = false;
  };
  struct dir_id {
    dev_t dev;
    ino_t ino;
    bool operator==(const dir_id&) const = default;
  };
  auto id_of = [](const fs::path& p, dir_id& id) {
    struct stat sb {};
    if (::stat(p.c_str(), &sb) != 0) return false;
    id = {sb.st_dev, sb.st_ino};
    return true;
  };
  std::vector<dir_id> ancestors(1);  // ancestors[k]: the directory whose entries are at depth k
  if (!id_of(path, ancestors[0])) {
    visit({path, std::string("cannot read directory: ") + std::strerror(errno)});
    return false;
  }
  std::vector<dir_id> visited{ancestors[0]};
  fs::recursive_directory_iterator it(
      path, fs::directory_options::skip_permission_denied | fs::directory_options::follow_directory_symlink, ec);
  const fs::recursive_directory_iterator end;
  if (ec) {
    visit({path, "cannot read directory: " + ec.message()});
    return false;
  }
  std::string last = path;
  for (; it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    last.assign(p.native());
    ancestors.resize(static_cast<std::size_t>(it.depth()) + 1);
    // the path's last component, without a copy: an entry's path is its directory's, a '/' and its name
    const std::string_view name = std::string_view(p.native()).substr(p.native().rfind('/') + 1);
    std::error_code entry_ec;
    const bool is_dir = it->is_directory(entry_ec);  // from the listing, or a stat through a symlink
    if (!name.empty() && name[0] == '.') {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (entry_ec) {  // a dangling symlink, a symlink loop, an entry that vanished since the listing
      fail(p.native(), "cannot read: " + entry_ec.message());
      continue;
    }
    if (is_dir) {
      dir_id id{};
      if (name == "tmp" && fs::exists(p.parent_path() / "cur", entry_ec)) {
        it.disable_recursion_pending();
      } else if (!id_of(p, id)) {
        fail(p.native(), std::string("cannot read directory: ") + std::strerror(errno));
        it.disable_recursion_pending();
      } else if (std::find(ancestors.begin(), ancestors.end(), id) != ancestors.end()) {
        fail(p.native(), "cannot read directory: symlink loop (it contains itself)");
        it.disable_recursion_pending();
      } else if (std::find(visited.begin(), visited.end(), id) != visited.end()) {
        it.disable_recursion_pending();  // read already, through another link
      } else if (::access(p.c_str(), R_OK | X_OK) != 0) {  // skip_permission_denied would hide it
        fail(p.native(), std::string("cannot read directory: ") + std::strerror(errno));
        it.disable_recursion_pending();
      } else {
        visited.push_back(id);
        ancestors.push_back(id);
      }
      continue;
    }
    // golden files and notes that live beside messages in a corpus are not mail
    if (name.ends_with(".json") || name.ends_with(".jsonl") || name.ends_with(".md") || name.ends_with(".toml"))
      continue;
    if (it->is_regular_file(entry_ec)) add(p.native(), std::nullopt);
  }
  if (ec) fail(last, "cannot read directory: " + ec.message());  // the walk stopped early
  std::sort(entries.begin(), entries.end());
  for (entry& e : entries) visit({std::move(e.path), std::move(e.error)});
  return ok;
}

bool read_entry(const input_entry& entry, std::size_t max_bytes, const std::function<void(input_message&&)>& sink) {
  if (entry.error) {
    sink({entry.path, {}, entry.error});
    return false;
  }
  if (entry.standard_input) return read_stream(STDIN_FILENO, "-", max_bytes, false, sink);
  return read_file(entry.path, max_bytes, sink);
}

bool read_inputs(const std::string& path, std::size_t max_bytes, const std::function<void(input_message&&)>& sink) {
  bool ok = true;
  list_inputs(path, [&](input_entry&& e) { ok = read_entry(e, max_bytes, sink) && ok; });
  return ok;
}

}  // namespace bouncekit::cli
