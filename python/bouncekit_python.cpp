// The Python module `bouncekit`:
//
//   import bouncekit
//   classifier = bouncekit.Classifier()                 # built-in rules, compiled once
//   result = classifier.classify(open("b.eml", "rb").read())
//   for r in result["recipients"]:
//       if r["class"] == "hard": suppress(r["address"])
//
// classify() returns a dict with the fields of the JSON record (SPEC section 3), converted directly from
// bouncekit::to_json. The GIL is released while a message is classified, so a thread pool scales.
#include <bouncekit/bouncekit.hpp>
#include <bouncekit/json.hpp>

#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <string_view>

namespace py = pybind11;

namespace {

// Every string inside has already been made valid UTF-8 by to_json; "replace" is a second guard.
py::object to_python(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return py::none();
    case nlohmann::ordered_json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return py::int_(j.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: return py::int_(j.get<std::uint64_t>());
    case nlohmann::ordered_json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::ordered_json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      PyObject* str = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
      if (!str) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(str);
    }
    case nlohmann::ordered_json::value_t::array: {
      py::list list;
      for (const auto& item : j) list.append(to_python(item));
      return list;
    }
    case nlohmann::ordered_json::value_t::object: {
      py::dict dict;
      for (const auto& [key, value] : j.items()) dict[py::str(key)] = to_python(value);
      return dict;
    }
    default: return py::none();
  }
}

// The message bytes: bytes are borrowed (immutable, kept alive by the caller's reference); str is encoded
// as UTF-8; any other buffer (bytearray, memoryview, mmap) is copied, since it could change while the GIL
// is released.
struct message_bytes {
  std::string copy;
  std::string_view view;
};

message_bytes read_message(const py::object& raw) {
  message_bytes m;
  if (PyBytes_Check(raw.ptr())) {
    char* data = nullptr;
    Py_ssize_t size = 0;
    if (PyBytes_AsStringAndSize(raw.ptr(), &data, &size) != 0) throw py::error_already_set();
    m.view = std::string_view(data, static_cast<std::size_t>(size));
  } else if (PyUnicode_Check(raw.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(raw.ptr(), &size);
    if (!data) throw py::error_already_set();
    m.copy.assign(data, static_cast<std::size_t>(size));
    m.view = m.copy;
  } else if (PyObject_CheckBuffer(raw.ptr())) {
    const py::buffer_info info = py::reinterpret_borrow<py::buffer>(raw).request();
    m.copy.assign(static_cast<const char*>(info.ptr), static_cast<std::size_t>(info.size * info.itemsize));
    m.view = m.copy;
  } else {
    throw py::type_error("classify() takes the raw message as bytes (or str, bytearray, memoryview)");
  }
  return m;
}

class py_classifier {
 public:
  explicit py_classifier(const py::object& rules_dir) {
    if (rules_dir.is_none()) {
      impl_ = std::make_shared<const bouncekit::classifier>();
    } else {
      const std::string dir = py::str(py::module_::import("os").attr("fspath")(rules_dir));
      py::gil_scoped_release unlocked;
      impl_ = std::make_shared<const bouncekit::classifier>(bouncekit::classifier::from_directory(dir));
    }
  }

  py::dict classify(const py::object& raw, bool explain, const std::string& source) const {
    const message_bytes m = read_message(raw);
    nlohmann::ordered_json j;
    {
      py::gil_scoped_release unlocked;
      bouncekit::classification result = impl_->classify(m.view);
      result.source = source;
      j = bouncekit::to_json(result, explain);
    }
    return to_python(j);
  }

  std::string classify_json(const py::object& raw, bool explain, const std::string& source) const {
    const message_bytes m = read_message(raw);
    py::gil_scoped_release unlocked;
    bouncekit::classification result = impl_->classify(m.view);
    result.source = source;
    return bouncekit::to_json_line(result, explain);
  }

  std::size_t rule_count() const { return impl_->rule_count(); }

 private:
  std::shared_ptr<const bouncekit::classifier> impl_;
};

}  // namespace

PYBIND11_MODULE(bouncekit, m) {
  m.doc() =
      "bouncekit: classify bounce mail (DSNs, MTA text bounces), ARF complaints and auto-replies.\n\n"
      "    import bouncekit\n"
      "    c = bouncekit.Classifier()\n"
      "    result = c.classify(raw_bytes)   # a dict: type, format, original, error, recipients[...]\n";
  m.attr("__version__") = BOUNCEKIT_VERSION;

  auto rule_error = py::register_exception<bouncekit::rule_error>(m, "RuleError", PyExc_ValueError);
  rule_error.doc() = "A rule file could not be loaded: the message names file, line or rule, and the problem.";

  py::class_<py_classifier>(m, "Classifier",
                            "A compiled classifier. Build it once and share it: classify() is thread-safe and\n"
                            "releases the GIL while it works.")
      .def(py::init<const py::object&>(), py::arg("rules_dir") = py::none(),
           "Classifier(rules_dir=None): the built-in rules, or every *.toml file of rules_dir (a str or\n"
           "os.PathLike) instead. Raises bouncekit.RuleError for a bad rule file.")
      .def("classify", &py_classifier::classify, py::arg("raw"), py::arg("explain") = false, py::arg("source") = "",
           "classify(raw, explain=False, source='') -> dict\n\n"
           "Classifies one raw RFC 5322 message (bytes; str is taken as UTF-8). Returns the JSON record of\n"
           "the SPEC as a dict: source, type, format, original, error, recipients (each with address,\n"
           "original_recipient, action, status, reply_code, diagnostic, remote_mta, reporting_mta,\n"
           "smtp_command, stage, category, class, reason, rule, feedback_type, recommended_action) and,\n"
           "when the parser noticed problems, warnings. With explain=True each recipient also gets\n"
           "'explain': the rules that matched and why the winner won. Never raises for malformed mail.")
      .def("classify_json", &py_classifier::classify_json, py::arg("raw"), py::arg("explain") = false,
           py::arg("source") = "",
           "classify_json(raw, explain=False, source='') -> str: the same record as one JSON line.")
      .def_property_readonly("rule_count", &py_classifier::rule_count, "Number of rules loaded.");
}
