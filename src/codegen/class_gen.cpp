#include "codegen/class_gen.hpp"

#include <cctype>
#include <map>
#include <set>

#include "codegen/module_gen.hpp"
#include "codegen/stub_gen.hpp"
#include "codegen/writer.hpp"
#include "scan/pytype.hpp"

namespace cxximport::codegen {
namespace {

using scan::ClassExport;
using scan::Export;

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t k = 0; k < parts.size(); ++k) out += (k ? sep : "") + parts[k];
  return out;
}

std::string namespace_of(const std::string& qualified) {
  auto pos = qualified.rfind("::");
  return pos == std::string::npos ? "" : qualified.substr(0, pos);
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// A class template's parameter names replaced by the instantiation's
// arguments, word by word: for docstrings and stubs ("T" -> "double").
std::string substitute(const std::string& type, const std::vector<std::pair<std::string, std::string>>& args) {
  if (args.empty()) return type;
  std::string out, word;
  auto flush = [&] {
    std::string w = word;
    for (const auto& [name, value] : args)
      if (word == name) w = value;
    out += w;
    word.clear();
  };
  for (char ch : type) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') {
      word += ch;
    } else {
      flush();
      out += ch;
    }
  }
  flush();
  return out;
}

// The export as Python documents it: template arguments substituted.
Export for_docs(Export e, const ClassExport& c) {
  for (auto& p : e.params) p.type = substitute(p.type, c.template_args);
  e.return_type = substitute(e.return_type, c.template_args);
  return e;
}

// Python's operator slots by C++ symbol and arity (parameters besides *this).
struct SlotName {
  const char* symbol;
  int arity;
  const char* slot;
  const char* dunder;
  const char* rdunder = nullptr;  // the reflected form (a friend operator with the class on the right)
};
constexpr SlotName kNumberSlots[] = {
    {"+", 1, "Py_nb_add", "__add__", "__radd__"},
    {"-", 1, "Py_nb_subtract", "__sub__", "__rsub__"},
    {"*", 1, "Py_nb_multiply", "__mul__", "__rmul__"},
    {"/", 1, "Py_nb_true_divide", "__truediv__", "__rtruediv__"},
    {"+=", 1, "Py_nb_inplace_add", "__iadd__"},
    {"-=", 1, "Py_nb_inplace_subtract", "__isub__"},
    {"*=", 1, "Py_nb_inplace_multiply", "__imul__"},
    {"/=", 1, "Py_nb_inplace_true_divide", "__itruediv__"},
    {"-", 0, "Py_nb_negative", "__neg__"},
    {"+", 0, "Py_nb_positive", "__pos__"},
};
constexpr SlotName kCompare[] = {
    {"==", 1, "Py_EQ", "__eq__", nullptr}, {"!=", 1, "Py_NE", "__ne__", nullptr}, {"<", 1, "Py_LT", "__lt__", nullptr},
    {"<=", 1, "Py_LE", "__le__", nullptr}, {">", 1, "Py_GT", "__gt__", nullptr},  {">=", 1, "Py_GE", "__ge__", nullptr},
};

class ClassWriter {
 public:
  ClassWriter(const ClassExport& c, const std::string& module_name, const std::string& source_path)
      : c_(c), module_(module_name), source_(source_path) {
    ns_ = namespace_of(c.qualified_name);
    self_ = "::" + c.qualified_name;
    scope_name_ = "pyx_scope_" + c.name;
    scope_ = "::" + (ns_.empty() ? "" : ns_ + "::") + scope_name_;
    p_ = "pyx_" + c.name + "_";
  }

  void write(ClassCode* out) {
    collect_protocols();
    scope_struct();
    ctors();
    // Property getters and setters are attributes, not methods (a method of
    // the same name would shadow the attribute).
    std::set<std::string> accessors;
    for (const auto& p : c_.properties) accessors.insert({p.name, p.setter});
    for (const auto& m : c_.methods)
      if (!hidden_.count(m.name)) method(m, false, !accessors.count(m.name));
    for (const auto& m : c_.statics) method(m, true);
    pickle_state();
    fields();
    operators();
    protocols();
    spec();
    out->definitions +=
        "// ---- class " + c_.name + " (" + source_ + ":" + std::to_string(c_.loc.line) + ") ----\n" + thunks_ + code_;
    out->exec += "  if (!pyx::detail::add_type(module, &" + p_ + "spec, &pyx::detail::class_info<" + self_ +
                 ">::type)) return -1;\n";
    // Other modules find the type by its C++ name (PYX_IMPORT).
    out->exec += "  if (!pyx::detail::publish_class<" + self_ + ">(module, " + cpp_string_literal(c_.qualified_name) +
                 ")) return -1;\n";
    if (ctor_count_ > 0)  // Type(...) without an argument tuple (no spec slot before Python 3.14)
      out->exec += "  pyx::detail::class_info<" + self_ + ">::type->tp_vectorcall = &" + p_ + "vectorcall;\n";
  }

  std::string info_specialization() const {
    return "namespace pyx::detail {\ntemplate <>\nstruct class_info<" + self_ +
           "> {\n  static constexpr bool exported = true;\n  static inline PyTypeObject* type = nullptr;\n"
           "  static constexpr const char* name = " +
           cpp_string_literal(c_.name) + ";\n};\n}  // namespace pyx::detail\n";
  }

 private:
  // Parameters as declared, and forwarded.
  static std::string param_decls(const Export& e) {
    std::string out;
    for (const auto& p : e.params) out += ", " + p.type + " " + p.name;
    return out;
  }
  static std::string forwards(const Export& e) {
    std::vector<std::string> f;
    for (const auto& p : e.params) f.push_back("std::forward<" + p.type + ">(" + p.name + ")");
    return join(f, ", ");
  }
  static std::string template_header(const Export& e) {
    if (e.fused.empty()) return "";
    std::vector<std::string> ps;
    for (const auto& f : e.fused) ps.push_back("class " + f.name);
    return "  template <" + join(ps, ", ") + ">\n";
  }

  // Default-value providers in the scope struct; returns the tuple expression.
  std::string defaults(const Export& e, const std::string& id, const std::vector<std::string>& types) {
    std::vector<std::string> providers;
    std::string targs = types.empty() ? "" : "<" + join(types, ", ") + ">";
    for (std::size_t i = 0; i < e.params.size(); ++i) {
      const auto& p = e.params[i];
      if (p.default_value.empty()) {
        providers.push_back("pyx::detail::no_default{}");
        continue;
      }
      std::string fn = "d_" + id + "_" + std::to_string(i);
      if (!defined_defaults_.count(fn)) {
        defined_defaults_.insert(fn);
        std::string vt = "std::remove_cvref_t<" + p.type + ">";
        std::string init = p.default_value.front() == '{' ? vt + p.default_value : vt + "(" + p.default_value + ")";
        thunk_body_ += template_header(e) + "  static " + vt + " " + fn + "() { return " + init + "; }\n";
      }
      providers.push_back("&" + scope_ + "::" + fn + targs);
    }
    return "std::make_tuple(" + join(providers, ", ") + ")";
  }

  static std::string names_array(const Export& e) {
    std::vector<std::string> n;
    for (const auto& p : e.params) n.push_back(cpp_string_literal(p.name));
    return n.empty() ? "nullptr" : join(n, ", ");
  }
  static int nrequired(const Export& e) {
    int n = 0;
    for (const auto& p : e.params) {
      if (!p.default_value.empty()) break;
      ++n;
    }
    return n;
  }

  void collect_protocols() {
    for (const auto& m : c_.methods) {
      if (!m.params.empty()) continue;
      if (m.name == "size") len_ = true;
      if (m.name == "repr") repr_ = true;
      if (m.name == "str") str_ = true;
      if (m.name == "hash") hash_ = true;
      if (m.name == "begin") has_begin_ = true;
      if (m.name == "end") has_end_ = true;
      if (m.name == "getstate") getstate_ = true;
    }
    for (const auto& m : c_.methods)
      if (m.name == "setstate") setstate_ = "m_setstate";
    for (const auto& m : c_.statics)
      if (m.name == "setstate") setstate_ = "s_setstate";
    if (!getstate_) setstate_.clear();
    for (const char* n : {"begin", "end", "cbegin", "cend", "rbegin", "rend"}) hidden_.insert(n);
  }

  void scope_struct() {
    thunk_body_ = "  using pyx_self = " + self_ + ";\n";
    for (const auto& [name, type] : c_.template_args) thunk_body_ += "  using " + name + " = " + type + ";\n";
  }

  void ctors() {
    std::vector<Export> list = c_.ctors;
    for (auto& e : list) e.name = c_.name;  // a template's instantiation has the alias's name
    if (list.empty() && c_.has_default_ctor) {
      Export e;
      e.name = c_.name;
      list.push_back(e);
    }
    ctor_count_ = static_cast<int>(list.size());
    if (list.empty()) return;
    std::string entries;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const Export& e = list[k];
      std::string id = "c" + std::to_string(k);
      thunk_body_ += "  static void " + id + "(void* pyx_mem" + param_decls(e) + ") { ::new (pyx_mem) pyx_self(" +
                     forwards(e) + "); }\n";
      std::string defs = defaults(e, id, {});
      std::string fn = "&" + scope_ + "::" + id;
      code_ += "static const char* const " + p_ + id + "_names[] = {" + names_array(e) + "};\n";
      code_ += "static PyObject* " + p_ + id +
               "(PyObject* self, PyObject* const* slots) {\n"
               "  static const pyx::detail::signature sig = {" +
               cpp_string_literal(c_.name) + ", " + p_ + id + "_names, " + std::to_string(e.params.size()) + ", " +
               std::to_string(nrequired(e)) +
               "};\n"
               "  return pyx::detail::construct_with<" +
               self_ + ", " + fn + ">(self, sig, slots, " + defs + ");\n}\n";
      code_ += "static bool " + p_ + id +
               "_matches(PyObject* const* slots, bool strict) {\n"
               "  return pyx::detail::matches_method<" +
               fn + ">(slots, strict);\n}\n";
      entries += "    {{" + cpp_string_literal(c_.name) + ", " + p_ + id + "_names, " +
                 std::to_string(e.params.size()) + ", " + std::to_string(nrequired(e)) + "}, &" + p_ + id +
                 "_matches, &" + p_ + id + ", pyx::detail::method_describers_v<" + fn + ">.data()},\n";
      // The signature inspect shows: the constructor with the most parameters.
      if (k == 0 || e.params.size() > first_ctor_.params.size()) first_ctor_ = e;
    }
    code_ += "static const pyx::detail::ctor_entry " + p_ + "ctors[] = {\n" + entries + "};\n";
    code_ += "static int " + p_ +
             "init(PyObject* self, PyObject* args, PyObject* kwargs) {\n"
             "  return pyx::detail::construct<" +
             self_ + ">(self, args, kwargs, " + p_ + "ctors, " + std::to_string(list.size()) + ");\n}\n";
    code_ += "static PyObject* " + p_ +
             "vectorcall(PyObject* type, PyObject* const* args, size_t nargsf, "
             "PyObject* kwnames) {\n  return pyx::detail::construct_call<" +
             self_ + ">(type, args, nargsf, kwnames, " + p_ + "ctors, " + std::to_string(list.size()) + ");\n}\n";
    // Pickling: a constructor whose parameters are all public attributes
    // (unless getstate()/setstate(...) say how, see pickle_state()).
    if (!setstate_.empty()) return;
    std::set<std::string> field_names;
    for (const auto& f : c_.fields) field_names.insert(f.name);
    for (const auto& p : c_.properties) field_names.insert(p.name);
    for (const auto& e : list) {
      bool all = !e.params.empty();
      for (const auto& p : e.params) all = all && field_names.count(p.name);
      if (!all) continue;
      std::vector<std::string> names;
      for (const auto& p : e.params) names.push_back(cpp_string_literal(p.name));
      code_ += "static PyObject* " + p_ +
               "reduce(PyObject* self, PyObject*) {\n"
               "  static const char* const names[] = {" +
               join(names, ", ") +
               "};\n"
               "  PyObject* items[" +
               std::to_string(names.size()) +
               "];\n"
               "  for (int k = 0; k < " +
               std::to_string(names.size()) +
               "; ++k) items[k] = PyObject_GetAttrString(self, names[k]);\n"
               "  PyObject* args = pyx::detail::make_tuple(items, " +
               std::to_string(names.size()) +
               ");\n"
               "  if (!args) return nullptr;\n"
               "  return Py_BuildValue(\"(ON)\", reinterpret_cast<PyObject*>(Py_TYPE(self)), args);\n}\n";
      method_entries_ +=
          "    {\"__reduce__\", reinterpret_cast<PyCFunction>(" + p_ + "reduce), METH_NOARGS, nullptr},\n";
      break;
    }
  }

  // getstate() + setstate(...): __reduce__ rebuilds an uninitialised object
  // and __setstate__ passes the state tuple's items to setstate.
  void pickle_state() {
    if (setstate_.empty()) return;
    code_ += "static PyObject* " + p_ +
             "reduce(PyObject* self, PyObject*) {\n  return pyx::detail::reduce_with_state(self, " + p_ +
             "m_getstate(self, nullptr, 0, nullptr));\n}\n";
    std::string call =
        "  PyObject* const* items = PySequence_Fast_ITEMS(state);\n  Py_ssize_t n = PyTuple_GET_SIZE(state);\n";
    if (setstate_ == "s_setstate")
      call +=
          "  return pyx::detail::adopt_state<" + self_ + ">(self, " + p_ + "s_setstate(nullptr, items, n, nullptr));\n";
    else
      call += "  if (!pyx::detail::ready_for_state<" + self_ + ">(self)) return nullptr;\n  return " + p_ +
              "m_setstate(self, items, n, nullptr);\n";
    code_ += "static PyObject* " + p_ + "setstate_dunder(PyObject* self, PyObject* state) {\n" +
             "  if (!pyx::detail::state_is_tuple(self, state)) return nullptr;\n" + call + "}\n";
    method_entries_ += "    {\"__reduce__\", reinterpret_cast<PyCFunction>(" + p_ +
                       "reduce), METH_NOARGS, nullptr},\n"
                       "    {\"__setstate__\", reinterpret_cast<PyCFunction>(" +
                       p_ + "setstate_dunder), METH_O, nullptr},\n";
  }

  // A method or static method: thunk(s) + a vectorcall wrapper + table entry.
  void method(const Export& e, bool is_static, bool in_table = true) {
    std::string id = (is_static ? "s_" : "m_") + e.name;
    std::string call = is_static ? "pyx_self::" : "pyx_this.";
    std::string targs_decl;
    if (!e.fused.empty()) {
      std::vector<std::string> n;
      for (const auto& f : e.fused) n.push_back(f.name);
      targs_decl = "<" + join(n, ", ") + ">";
      call += "template ";
    }
    std::string params = param_decls(e);
    if (is_static) params = params.empty() ? "" : params.substr(2);
    thunk_body_ += template_header(e) + "  static decltype(auto) " + id + "(" +
                   (is_static ? "" : "pyx_self& pyx_this") + params + ") { return " + call + e.name + targs_decl + "(" +
                   forwards(e) + "); }\n";
    std::string nogil = e.nogil ? "true" : "false";
    std::string w = p_ + id;
    std::string body;
    auto insts = fused_instantiations(e);
    std::vector<std::string> exprs;
    for (std::size_t k = 0; k < insts.size(); ++k) {
      std::string fn = "&" + scope_ + "::" + id + (insts[k].empty() ? "" : "<" + join(insts[k], ", ") + ">");
      exprs.push_back(fn);
      std::string defs = defaults(e, id, insts[k]);
      std::string call_expr = is_static ? "pyx::detail::invoke<" + fn + ", " + nogil + ">(sig, slots, " + defs + ")"
                                        : "pyx::detail::invoke_method<" + self_ + ", " + fn + ", " + nogil +
                                              ">(self, sig, slots, " + defs + ")";
      calls_.push_back(call_expr);
    }
    if (e.fused.empty()) {
      body = "  return " + calls_.back() + ";\n";
    } else {
      for (const char* strict : {"true", "false"})
        for (std::size_t k = 0; k < insts.size(); ++k)
          body += "  if (pyx::detail::" + std::string(is_static ? "matches" : "matches_method") + "<" + exprs[k] +
                  ">(slots, " + strict + "))\n    return " + calls_[calls_.size() - insts.size() + k] + ";\n";
      body += "  return pyx::detail::" + std::string(is_static ? "no_match" : "no_method_match") + "<" +
              join(exprs, ", ") + ">(sig, slots);\n";
    }
    code_ += "static PyObject* " + w +
             "(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {\n"
             "  (void)self;\n"
             "  static const char* const names[] = {" +
             names_array(e) +
             "};\n"
             "  static const pyx::detail::signature sig = {" +
             cpp_string_literal(c_.name + "." + e.name) + ", names, " + std::to_string(e.params.size()) + ", " +
             std::to_string(nrequired(e)) +
             "};\n"
             "  PyObject* slots[" +
             std::to_string(std::max<std::size_t>(1, e.params.size())) +
             "];\n"
             "  if (!pyx::detail::bind(sig, args, nargs, kwnames, slots)) return nullptr;\n" +
             body + "}\n";
    if (!in_table) return;
    std::string doc = python_docstring(for_docs(e, c_));
    if (!is_static) {
      std::string head = e.name + "(";
      doc.replace(0, head.size(), head + (e.params.empty() ? "$self" : "$self, "));
    }
    method_entries_ += "    {" + cpp_string_literal(e.name) +
                       ", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(" + w +
                       ")), METH_FASTCALL | METH_KEYWORDS" + (is_static ? " | METH_STATIC" : "") + ", " +
                       cpp_string_literal(doc) + "},\n";
  }

  static bool holds_python(const std::string& type) {
    std::string t = starts_with(type, "const ") ? type.substr(6) : type;
    if (starts_with(t, "::")) t = t.substr(2);
    return starts_with(t, "pyx::object") || starts_with(t, "pyx::array");
  }

  void fields() {
    std::string traverse, clear;
    for (const auto& f : c_.fields) {
      std::string g = p_ + "get_" + f.name, s = p_ + "set_" + f.name;
      std::string ft = "std::remove_cvref_t<decltype(std::declval<" + self_ + "&>()." + f.name + ")>";
      code_ += "static PyObject* " + g +
               "(PyObject* self, void*) {\n"
               "  auto* s = pyx::detail::self_ptr<" +
               self_ +
               ">(self);\n  if (!s) return nullptr;\n"
               "  try {\n    using FT = " +
               ft + ";\n    return pyx::detail::field_get<FT>(s->" + f.name +
               ");\n"
               "  } catch (...) {\n    return pyx::detail::translate_exception();\n  }\n}\n";
      std::string setter = "nullptr";
      if (!f.readonly) {
        setter = s;
        code_ += "static int " + s +
                 "(PyObject* self, PyObject* value, void*) {\n"
                 "  if (!value) return pyx::detail::cannot_delete(" +
                 cpp_string_literal(c_.name) + ", " + cpp_string_literal(f.name) +
                 ");\n"
                 "  auto* s = pyx::detail::self_ptr<" +
                 self_ +
                 ">(self);\n  if (!s) return -1;\n"
                 "  try {\n    using FT = " +
                 ft +
                 ";\n    pyx::detail::caster<FT> c;\n"
                 "    if (!c.load(value, pyx::detail::arg_ctx{" +
                 cpp_string_literal(c_.name + "." + f.name) +
                 ", \"value\"})) return -1;\n"
                 "    FT& v = c.value;\n    pyx::detail::field_set<FT>(s->" +
                 f.name +
                 ", v);\n    return 0;\n"
                 "  } catch (...) {\n    pyx::detail::translate_exception();\n    return -1;\n  }\n}\n";
      }
      getset_entries_ += "    {" + cpp_string_literal(f.name) + ", " + g + ", " + setter + ", " +
                         (f.doc.empty() ? "nullptr" : cpp_string_literal(f.doc)) + ", nullptr},\n";
      if (holds_python(f.type)) {
        traverse += "    Py_VISIT(s->" + f.name + ".ptr());\n";
        if (!f.readonly) clear += "    s->" + f.name + " = {};\n";
      }
    }
    for (const auto& p : c_.properties) {
      std::string g = p_ + "pget_" + p.name;
      code_ += "static PyObject* " + g + "(PyObject* self, void*) {\n  return " + p_ + "m_" + p.name +
               "(self, nullptr, 0, nullptr);\n}\n";
      std::string setter = "nullptr";
      if (!p.setter.empty()) {
        setter = p_ + "pset_" + p.name;
        code_ += "static int " + setter +
                 "(PyObject* self, PyObject* value, void*) {\n"
                 "  if (!value) return pyx::detail::cannot_delete(" +
                 cpp_string_literal(c_.name) + ", " + cpp_string_literal(p.name) +
                 ");\n"
                 "  PyObject* r = " +
                 p_ + "m_" + p.setter +
                 "(self, &value, 1, nullptr);\n"
                 "  if (!r) return -1;\n  Py_DECREF(r);\n  return 0;\n}\n";
      }
      getset_entries_ += "    {" + cpp_string_literal(p.name) + ", " + g + ", " + setter + ", " +
                         (p.doc.empty() ? "nullptr" : cpp_string_literal(p.doc)) + ", nullptr},\n";
    }
    if (!traverse.empty()) {
      gc_ = true;
      code_ += "static int " + p_ +
               "traverse(PyObject* self, visitproc visit, void* arg) {\n"
               "  Py_VISIT(Py_TYPE(self));\n"
               "  auto* in = pyx::detail::as_instance<" +
               self_ +
               ">(self);\n"
               "  if (in->ready) {\n    auto* s = in->get();\n" +
               traverse + "  }\n  return 0;\n}\n";
      code_ += "static int " + p_ +
               "clear(PyObject* self) {\n"
               "  auto* in = pyx::detail::as_instance<" +
               self_ +
               ">(self);\n"
               "  if (in->ready) {\n    auto* s = in->get();\n    (void)s;\n" +
               clear + "  }\n  return 0;\n}\n";
    }
  }

  // A thunk for an operator with 0 or 1 parameters; returns its &scope::id.
  std::string operator_thunk(const Export& e, const std::string& id, const std::string& expr) {
    thunk_body_ +=
        "  static decltype(auto) " + id + "(pyx_self& pyx_this" + param_decls(e) + ") { return " + expr + "; }\n";
    return "&" + scope_ + "::" + id;
  }

  // A binary slot: `a SYM b` with a of this type (the forward operator e),
  // else `a SYM b` with b of this type (the reflected friend operator r);
  // NotImplemented when neither applies, so Python tries the other operand.
  std::string binary_fn(const Export* e, const std::string& id, const std::string& sym, const std::string& dunder,
                        const Export* r = nullptr, const std::string& rdunder = "") {
    std::string w = p_ + id;
    std::string type = "pyx::detail::class_info<" + self_ + ">::type";
    std::string body;
    auto branch = [&](const Export& x, const std::string& fn, const char* self, const char* other,
                      const std::string& name) {
      body += "  if (PyObject_TypeCheck(" + std::string(self) + ", " + type + ") && pyx::detail::matches_method<" + fn +
              ">(&" + other +
              ", false)) {\n"
              "    static const char* const names[] = {" +
              cpp_string_literal(x.params[0].name) +
              "};\n"
              "    static const pyx::detail::signature sig = {" +
              cpp_string_literal(c_.name + "." + name) +
              ", names, 1, 1};\n"
              "    return pyx::detail::invoke_method<" +
              self_ + ", " + fn + ", false>(" + self + ", sig, &" + other +
              ", std::make_tuple(pyx::detail::no_default{}));\n  }\n";
    };
    if (e) {
      std::string fn = operator_thunk(
          *e, id, "pyx_this " + sym + " std::forward<" + e->params[0].type + ">(" + e->params[0].name + ")");
      branch(*e, fn, "a", "b", dunder);
    }
    if (r) {
      std::string fn = operator_thunk(
          *r, id + "r", "std::forward<" + r->params[0].type + ">(" + r->params[0].name + ") " + sym + " pyx_this");
      branch(*r, fn, "b", "a", rdunder);
    }
    code_ += "static PyObject* " + w + "(PyObject* a, PyObject* b) {\n" + body + "  Py_RETURN_NOTIMPLEMENTED;\n}\n";
    return w;
  }

  void operators() {
    int k = 0;
    std::map<std::string, std::string> compare;  // Py_EQ -> wrapper
    const Export* eq = nullptr;
    std::map<std::string, const Export*> reflected;  // "+" -> the friend operator+(other, const T&)
    for (const auto& op : c_.operators) {
      if (!op.reflected) continue;
      if (op.symbol == "<<" && op.fn.params[0].type.find("ostream") != std::string::npos) stream_ = true;
      if (!reflected.count(op.symbol)) reflected[op.symbol] = &op.fn;
    }
    for (const auto& op : c_.operators) {
      if (op.reflected) continue;
      const Export& e = op.fn;
      std::string id = "o" + std::to_string(k++);
      int arity = static_cast<int>(e.params.size());
      bool done = false;
      for (const auto& s : kNumberSlots) {
        if (op.symbol != s.symbol || arity != s.arity || done || slots_used_.count(s.slot)) continue;
        done = true;
        slots_used_.insert(s.slot);
        if (arity == 1) {
          auto r = reflected.find(op.symbol);
          const Export* rfn = r == reflected.end() || !s.rdunder ? nullptr : r->second;
          slot_entries_ += "    {" + std::string(s.slot) + ", reinterpret_cast<void*>(" +
                           binary_fn(&e, id, op.symbol, s.dunder, rfn, s.rdunder ? s.rdunder : "") + ")},\n";
        } else {
          std::string fn = operator_thunk(e, id, op.symbol + "pyx_this");
          std::string w = p_ + id;
          code_ += "static PyObject* " + w +
                   "(PyObject* a) {\n"
                   "  static const pyx::detail::signature sig = {" +
                   cpp_string_literal(c_.name + "." + s.dunder) +
                   ", nullptr, 0, 0};\n"
                   "  return pyx::detail::invoke_method<" +
                   self_ + ", " + fn + ", false>(a, sig, nullptr, std::tuple<>{});\n}\n";
          slot_entries_ += "    {" + std::string(s.slot) + ", reinterpret_cast<void*>(" + w + ")},\n";
        }
      }
      for (const auto& s : kCompare) {
        if (op.symbol != s.symbol || arity != 1 || compare.count(s.slot)) continue;
        compare[s.slot] = binary_fn(&e, id, op.symbol, s.dunder);
        if (op.symbol == "==") eq = &e;
      }
      if (op.symbol == "()" && !slots_used_.count("call")) {
        slots_used_.insert("call");
        Export m = e;
        m.name = "__call__";
        std::string fn = operator_thunk(e, id, "pyx_this(" + forwards(e) + ")");
        std::string w = p_ + id;
        code_ += "static const char* const " + w + "_names[] = {" + names_array(e) +
                 "};\n"
                 "static PyObject* " +
                 w +
                 "(PyObject* self, PyObject* args, PyObject* kwargs) {\n"
                 "  static const pyx::detail::signature sig = {" +
                 cpp_string_literal(c_.name + ".__call__") + ", " + w + "_names, " + std::to_string(e.params.size()) +
                 ", " + std::to_string(nrequired(e)) +
                 "};\n"
                 "  pyx::detail::call_args ca;\n  if (!ca.load(args, kwargs, sig.name)) return nullptr;\n"
                 "  PyObject* slots[" +
                 std::to_string(std::max<std::size_t>(1, e.params.size())) +
                 "];\n"
                 "  if (!pyx::detail::bind(sig, ca.stack, ca.nargs, ca.kwnames, slots)) return nullptr;\n"
                 "  return pyx::detail::invoke_method<" +
                 self_ + ", " + fn + ", " + (e.nogil ? "true" : "false") + ">(self, sig, slots, " +
                 defaults(e, id, {}) + ");\n}\n";
        slot_entries_ += "    {Py_tp_call, reinterpret_cast<void*>(" + w + ")},\n";
      }
      if (op.symbol == "[]" && arity == 1 && !slots_used_.count("getitem")) {
        slots_used_.insert("getitem");
        const auto& key = e.params[0];
        std::string fn = operator_thunk(e, id, "pyx_this[std::forward<" + key.type + ">(" + key.name + ")]");
        std::string w = p_ + id;
        code_ += "static PyObject* " + w +
                 "(PyObject* self, PyObject* key) {\n"
                 "  static const char* const names[] = {" +
                 cpp_string_literal(key.name) +
                 "};\n"
                 "  static const pyx::detail::signature sig = {" +
                 cpp_string_literal(c_.name + ".__getitem__") +
                 ", names, 1, 1};\n"
                 "  return pyx::detail::invoke_method<" +
                 self_ + ", " + fn + ", false>(self, sig, &key, std::make_tuple(pyx::detail::no_default{}));\n}\n";
        slot_entries_ += "    {Py_mp_subscript, reinterpret_cast<void*>(" + w + ")},\n";
        bool assignable = !e.return_type.empty() && e.return_type.back() == '&' &&
                          !starts_with(e.return_type, "const ") && e.return_type.find(" const") == std::string::npos &&
                          !e.is_const;
        if (assignable) {
          std::string sid = id + "_set";
          std::string elem =
              "std::remove_cvref_t<decltype(std::declval<pyx_self&>()[std::declval<" + key.type + ">()])>";
          thunk_body_ += "  static void " + sid + "(pyx_self& pyx_this, " + key.type + " " + key.name + ", const " +
                         elem + "& pyx_value) { pyx_this[std::forward<" + key.type + ">(" + key.name +
                         ")] = pyx_value; }\n";
          std::string sw = p_ + sid;
          code_ +=
              "static int " + sw +
              "(PyObject* self, PyObject* key, PyObject* value) {\n"
              "  if (!value) return pyx::detail::cannot_delete(" +
              cpp_string_literal(c_.name) +
              ", \"[]\");\n"
              "  static const char* const names[] = {" +
              cpp_string_literal(key.name) +
              ", \"value\"};\n"
              "  static const pyx::detail::signature sig = {" +
              cpp_string_literal(c_.name + ".__setitem__") +
              ", names, 2, 2};\n"
              "  PyObject* slots[2] = {key, value};\n"
              "  PyObject* r = pyx::detail::invoke_method<" +
              self_ + ", &" + scope_ + "::" + sid +
              ", false>(self, sig, slots, std::make_tuple(pyx::detail::no_default{}, pyx::detail::no_default{}));\n"
              "  if (!r) return -1;\n  Py_DECREF(r);\n  return 0;\n}\n";
          slot_entries_ += "    {Py_mp_ass_subscript, reinterpret_cast<void*>(" + sw + ")},\n";
        }
      }
    }
    // C++20 rewrites `a != b` as `!(a == b)`: Python gets __ne__ too.
    if (eq && !compare.count("Py_NE")) {
      Export ne = *eq;
      compare["Py_NE"] = binary_fn(&ne, "o" + std::to_string(k++), "!=", "__ne__");
    }
    // Reflected operators without a forward one: `2 * v` works, `v * 2` is NotImplemented.
    for (const auto& s : kNumberSlots) {
      auto r = reflected.find(s.symbol);
      if (!s.rdunder || r == reflected.end() || slots_used_.count(s.slot)) continue;
      slots_used_.insert(s.slot);
      slot_entries_ += "    {" + std::string(s.slot) + ", reinterpret_cast<void*>(" +
                       binary_fn(nullptr, "o" + std::to_string(k++), s.symbol, s.dunder, r->second, s.rdunder) +
                       ")},\n";
    }
    if (!compare.empty()) {
      std::string cases;
      for (const auto& [op, w] : compare) cases += "    case " + op + ":\n      return " + w + "(a, b);\n";
      code_ += "static PyObject* " + p_ + "richcompare(PyObject* a, PyObject* b, int op) {\n  switch (op) {\n" + cases +
               "    default:\n      Py_RETURN_NOTIMPLEMENTED;\n  }\n}\n";
      slot_entries_ += "    {Py_tp_richcompare, reinterpret_cast<void*>(" + p_ + "richcompare)},\n";
    }
  }

  void protocols() {
    auto call0 = [&](const std::string& name) { return p_ + "m_" + name + "(self, nullptr, 0, nullptr)"; };
    if (len_) {
      code_ += "static Py_ssize_t " + p_ + "len(PyObject* self) {\n  return pyx::detail::as_ssize(" + call0("size") +
               ");\n}\n";
      slot_entries_ += "    {Py_mp_length, reinterpret_cast<void*>(" + p_ + "len)},\n";
      slot_entries_ += "    {Py_sq_length, reinterpret_cast<void*>(" + p_ + "len)},\n";
    }
    if (repr_) {
      code_ += "static PyObject* " + p_ + "repr(PyObject* self) {\n  return " + call0("repr") + ";\n}\n";
      slot_entries_ += "    {Py_tp_repr, reinterpret_cast<void*>(" + p_ + "repr)},\n";
    }
    // operator<< stands in for a missing repr() (str() falls back to it) or str().
    if (stream_ && (!repr_ || !str_)) {
      code_ = "#include <pyx/class_stream.hpp>\n" + code_;
      slot_entries_ += std::string("    {") + (repr_ ? "Py_tp_str" : "Py_tp_repr") +
                       ", reinterpret_cast<void*>(&pyx::detail::stream_text<" + self_ + ">)},\n";
    }
    if (str_) {
      code_ += "static PyObject* " + p_ + "str(PyObject* self) {\n  return " + call0("str") + ";\n}\n";
      slot_entries_ += "    {Py_tp_str, reinterpret_cast<void*>(" + p_ + "str)},\n";
    }
    if (hash_) {
      code_ += "static Py_hash_t " + p_ + "hash(PyObject* self) {\n  return pyx::detail::as_hash(" + call0("hash") +
               ");\n}\n";
      slot_entries_ += "    {Py_tp_hash, reinterpret_cast<void*>(" + p_ + "hash)},\n";
    }
    if (has_begin_ && has_end_)
      slot_entries_ += "    {Py_tp_iter, reinterpret_cast<void*>(&pyx::detail::iterate<" + self_ + ">)},\n";
  }

  std::string class_doc() const {
    std::string doc;
    if (ctor_count_ > 0) {
      std::string sig = python_docstring(for_docs(first_ctor_, c_));  // "Name(a, b=1)\n--\n\n..."
      doc = sig.substr(0, sig.find("\n--\n\n") + 5);
      std::vector<std::string> all;
      std::vector<Export> list = c_.ctors;
      for (auto e : list) {
        e.name = c_.name;
        std::string s = python_docstring(for_docs(e, c_));
        auto a = s.find("\n--\n\n") + 5;
        all.push_back(s.substr(a, s.find('\n', a) - a));
      }
      if (all.size() > 1) doc += "Constructors:\n  " + join(all, "\n  ") + "\n";
    }
    if (!c_.doc.empty()) doc += (doc.empty() ? "" : "\n") + c_.doc;
    return doc;
  }

  void spec() {
    std::string ns_open = ns_.empty() ? "" : "namespace " + ns_ + " {\n";
    std::string ns_close = ns_.empty() ? "" : "}  // namespace " + ns_ + "\n";
    thunks_ = ns_open + "struct " + scope_name_ + " : " + self_ + " {\n" + thunk_body_ + "};\n" + ns_close;
    std::string methods =
        "static PyMethodDef " + p_ + "methods[] = {\n" + method_entries_ + "    {nullptr, nullptr, 0, nullptr}};\n";
    std::string getset = "static PyGetSetDef " + p_ + "getset[] = {\n" + getset_entries_ +
                         "    {nullptr, nullptr, nullptr, nullptr, nullptr}};\n";
    std::string members = "static PyMemberDef " + p_ +
                          "members[] = {\n"
                          "    {\"__weaklistoffset__\", T_PYSSIZET, offsetof(pyx::detail::instance<" +
                          self_ + ">, weaklist), READONLY, nullptr},\n    {nullptr, 0, 0, 0, nullptr}};\n";
    std::string slots = "    {Py_tp_dealloc, reinterpret_cast<void*>(&pyx::detail::tp_dealloc<" + self_ + ">)},\n";
    if (ctor_count_ > 0) {
      slots += "    {Py_tp_new, reinterpret_cast<void*>(&pyx::detail::tp_new_instance<" + self_ + ">)},\n";
      slots += "    {Py_tp_init, reinterpret_cast<void*>(" + p_ + "init)},\n";
    } else if (!setstate_.empty()) {  // unpickling makes an uninitialised object first
      slots += "    {Py_tp_new, reinterpret_cast<void*>(&pyx::detail::tp_new_instance<" + self_ + ">)},\n";
      slots += "    {Py_tp_init, reinterpret_cast<void*>(&pyx::detail::tp_init_refused)},\n";
    } else {
      slots += "    {Py_tp_new, reinterpret_cast<void*>(&pyx::detail::tp_new_refused<" + self_ + ">)},\n";
    }
    std::string doc = class_doc();
    if (!doc.empty()) code_ += "static const char " + p_ + "doc[] = " + cpp_string_literal(doc) + ";\n";
    if (!doc.empty()) slots += "    {Py_tp_doc, const_cast<char*>(" + p_ + "doc)},\n";
    slots += "    {Py_tp_methods, " + p_ + "methods},\n    {Py_tp_getset, " + p_ +
             "getset},\n"
             "    {Py_tp_members, " +
             p_ + "members},\n";
    if (gc_) {
      slots += "    {Py_tp_traverse, reinterpret_cast<void*>(" + p_ +
               "traverse)},\n"
               "    {Py_tp_clear, reinterpret_cast<void*>(" +
               p_ + "clear)},\n";
    }
    code_ += methods + getset + members + "static PyType_Slot " + p_ + "slots[] = {\n" + slots + slot_entries_ +
             "    {0, nullptr}};\n";
    code_ += "static PyType_Spec " + p_ + "spec = {" + cpp_string_literal(module_ + "." + c_.name) +
             ", static_cast<int>(sizeof(pyx::detail::instance<" + self_ +
             ">)), 0,\n"
             // Immutable like a cdef class: CPython 3.11+ then specialises `Type(...)` to
             // the type's vectorcall (PRECALL_BUILTIN_CLASS); a mutable heap type is
             // called through the generic path, 20 % slower to construct.
             "    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE" +
             (gc_ ? " | Py_TPFLAGS_HAVE_GC" : "") + ", " + p_ + "slots};\n";
  }

  const ClassExport& c_;
  std::string module_, source_, ns_, self_, scope_name_, scope_, p_;
  std::string thunk_body_, thunks_, code_, method_entries_, getset_entries_, slot_entries_;
  std::set<std::string> defined_defaults_, slots_used_, hidden_;
  std::vector<std::string> calls_;
  Export first_ctor_;
  int ctor_count_ = 0;
  bool len_ = false, repr_ = false, str_ = false, hash_ = false, has_begin_ = false, has_end_ = false, gc_ = false;
  bool getstate_ = false, stream_ = false;
  std::string setstate_;  // the wrapper id of setstate ("m_setstate" or "s_setstate"); empty: no state pickling
};

// `PYX_IMPORT(mod, ns::T);`: T's class_info names the other module's type,
// filled in when this module is executed.
std::string import_specialization(const scan::ClassImport& imp) {
  return "namespace pyx::detail {\ntemplate <>\nstruct class_info<::" + imp.cpp_type +
         "> {\n  static constexpr bool exported = true;\n  static inline PyTypeObject* type = nullptr;\n"
         "  static inline const char* name = " +
         cpp_string_literal(imp.cpp_type) + ";\n};\n}  // namespace pyx::detail\n";
}

std::string strip_type(std::string t) {
  auto drop = [&](const std::string& w) {
    if (starts_with(t, w)) t = t.substr(w.size());
  };
  drop("const ");
  drop("::");
  while (!t.empty() && (t.back() == '&' || t.back() == ' ')) t.pop_back();
  if (t.size() > 6 && t.compare(t.size() - 6, 6, " const") == 0) t.resize(t.size() - 6);
  return t;
}

}  // namespace

std::string class_aware_annotation(const scan::ScanResult& scan, const std::string& cpp_type,
                                   const std::vector<std::string>& fused_choices) {
  std::string t = strip_type(cpp_type);
  bool pointer = !t.empty() && t.back() == '*';
  if (pointer) t = strip_type(t.substr(0, t.size() - 1));
  if (starts_with(t, "std::optional<") && t.back() == '>') {
    std::string inner = class_aware_annotation(scan, t.substr(14, t.size() - 15));
    if (inner != "typing.Any") return inner + " | None";
  }
  for (const auto& c : scan.classes) {
    std::string q = c.qualified_name;
    if (t == c.name || t == q ||
        (q.size() >= t.size() + 2 && q.compare(q.size() - t.size() - 2, std::string::npos, "::" + t) == 0))
      return "\"" + c.name + "\"" + (pointer ? " | None" : "");
  }
  for (const auto& imp : scan.imports) {
    const std::string& q = imp.cpp_type;
    if (t == q || (q.size() >= t.size() + 2 && q.compare(q.size() - t.size() - 2, std::string::npos, "::" + t) == 0)) {
      // The other module's Python name is not known here: the C++ class name.
      std::string name = q.substr(q.rfind("::") == std::string::npos ? 0 : q.rfind("::") + 2);
      name = name.substr(0, name.find('<'));
      return "\"" + imp.module + "." + name + "\"" + (pointer ? " | None" : "");
    }
  }
  return scan::python_annotation(cpp_type, fused_choices);
}

ClassCode generate_classes(const scan::ScanResult& scan, const std::string& module_name,
                           const std::string& source_path) {
  ClassCode out;
  if (scan.classes.empty() && scan.imports.empty()) return out;
  out.definitions = "#include <pyx/class.hpp>\n#include <structmember.h>\n";
  for (const auto& imp : scan.imports) {
    out.definitions += import_specialization(imp);
    std::string where = source_path + ":" + std::to_string(imp.loc.line);
    out.exec += "  if (!pyx::detail::import_class<::" + imp.cpp_type + ">(" + cpp_string_literal(module_name) + ", " +
                cpp_string_literal(imp.module) + ", " + cpp_string_literal(imp.cpp_type) + ", " +
                cpp_string_literal(where) + ")) return -1;\n";
  }
  std::vector<ClassWriter> writers;
  for (const auto& c : scan.classes) writers.emplace_back(c, module_name, source_path);
  for (const auto& w : writers) out.definitions += w.info_specialization();
  for (auto& w : writers) w.write(&out);
  return out;
}

std::string class_stubs(const scan::ScanResult& scan) {
  std::string out;
  for (const auto& c : scan.classes) {
    auto ann = [&](const Export& e, const std::string& raw) {
      std::string type = substitute(raw, c.template_args);
      for (const auto& f : e.fused)
        if (type == f.name || type == "const " + f.name || type == "const " + f.name + "&")
          return scan::python_annotation(type, f.types);
      return class_aware_annotation(scan, type);
    };
    auto params = [&](const Export& e) {
      std::string s;
      for (const auto& p : e.params)
        s += ", " + p.name + ": " + ann(e, p.type) + (p.default_value.empty() ? "" : " = ...");
      return s;
    };
    out += "\n\nclass " + c.name + ":\n";
    if (!c.doc.empty()) out += "    " + py_doc_literal(c.doc) + "\n";
    bool many = c.ctors.size() > 1;
    for (const auto& e : c.ctors)
      out +=
          std::string(many ? "    @typing.overload\n" : "") + "    def __init__(self" + params(e) + ") -> None: ...\n";
    if (c.ctors.empty() && c.has_default_ctor) out += "    def __init__(self) -> None: ...\n";
    for (const auto& f : c.fields) {
      if (f.readonly) {
        out += "    @property\n    def " + f.name + "(self) -> " +
               class_aware_annotation(scan, substitute(f.type, c.template_args)) + ": ...\n";
      } else {
        out += "    " + f.name + ": " + class_aware_annotation(scan, substitute(f.type, c.template_args)) + "\n";
      }
    }
    for (const auto& p : c.properties) {
      std::string type = "typing.Any";
      for (const auto& m : c.methods)
        if (m.name == p.name) type = class_aware_annotation(scan, substitute(m.return_type, c.template_args));
      out += "    @property\n    def " + p.name + "(self) -> " + type + ": ...\n";
      if (!p.setter.empty())
        out += "    @" + p.name + ".setter\n    def " + p.name + "(self, value: " + type + ") -> None: ...\n";
    }
    std::set<std::string> accessors;
    for (const auto& p : c.properties) accessors.insert({p.name, p.setter});
    for (const auto& m : c.methods) {
      if (m.name == "begin" || m.name == "end" || accessors.count(m.name)) continue;
      out += "    def " + m.name + "(self" + params(m) + ") -> " + ann(m, m.return_type) + ":\n";
      out += m.doc.empty() ? "        ...\n" : "        " + py_doc_literal(m.doc) + "\n        ...\n";
    }
    for (const auto& m : c.statics) {
      std::string p = params(m);
      out += "    @staticmethod\n    def " + m.name + "(" + (p.empty() ? "" : p.substr(2)) + ") -> " +
             ann(m, m.return_type) + ": ...\n";
    }
    bool stream = false;  // a friend operator<<(std::ostream&, const T&)
    for (const auto& op : c.operators) {
      const Export& e = op.fn;
      int arity = static_cast<int>(e.params.size());
      const char* dunder = nullptr;
      if (op.reflected) {
        for (const auto& s : kNumberSlots)
          if (op.symbol == s.symbol && arity == s.arity && s.rdunder) dunder = s.rdunder;
        if (dunder)
          out += "    def " + std::string(dunder) + "(self" + params(e) + ") -> " + ann(e, e.return_type) + ": ...\n";
        if (op.symbol == "<<" && e.params[0].type.find("ostream") != std::string::npos) stream = true;
        continue;
      }
      for (const auto& s : kNumberSlots)
        if (op.symbol == s.symbol && arity == s.arity) dunder = s.dunder;
      for (const auto& s : kCompare)
        if (op.symbol == s.symbol && arity == 1) dunder = s.dunder;
      if (op.symbol == "()") dunder = "__call__";
      if (op.symbol == "[]" && arity == 1) dunder = "__getitem__";
      if (!dunder) continue;
      out += "    def " + std::string(dunder) + "(self" + params(e) + ") -> " + ann(e, e.return_type) + ": ...\n";
      const std::string& rt = e.return_type;
      if (op.symbol == "[]" && arity == 1 && !rt.empty() && rt.back() == '&' && !starts_with(rt, "const ") &&
          !e.is_const)
        out += "    def __setitem__(self" + params(e) + ", value: " + ann(e, rt) + ") -> None: ...\n";
      if (op.symbol == "==") {
        bool has_ne = false;
        for (const auto& o : c.operators) has_ne = has_ne || o.symbol == "!=";
        if (!has_ne) out += "    def __ne__(self" + params(e) + ") -> bool: ...\n";
      }
    }
    bool has_begin = false, has_end = false;
    for (const auto& m : c.methods) {
      has_begin = has_begin || (m.name == "begin" && m.params.empty());
      has_end = has_end || (m.name == "end" && m.params.empty());
    }
    if (has_begin && has_end) out += "    def __iter__(self) -> typing.Iterator[typing.Any]: ...\n";
    for (const auto& m : c.methods) {
      if (!m.params.empty()) continue;
      if (m.name == "size") out += "    def __len__(self) -> int: ...\n";
      if (m.name == "hash") out += "    def __hash__(self) -> int: ...\n";
      if (m.name == "repr") out += "    def __repr__(self) -> str: ...\n";
      if (m.name == "str") out += "    def __str__(self) -> str: ...\n";
    }
    if (stream) {
      bool has_repr = false, has_str = false;
      for (const auto& m : c.methods) {
        has_repr = has_repr || (m.name == "repr" && m.params.empty());
        has_str = has_str || (m.name == "str" && m.params.empty());
      }
      if (!has_repr) out += "    def __repr__(self) -> str: ...\n";
      if (has_repr && !has_str) out += "    def __str__(self) -> str: ...\n";
    }
  }
  return out;
}

}  // namespace cxximport::codegen
