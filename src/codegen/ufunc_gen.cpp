#include "codegen/ufunc_gen.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "codegen/module_gen.hpp"
#include "codegen/writer.hpp"

namespace cxximport::codegen {
namespace {

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t k = 0; k < parts.size(); ++k) out += (k ? sep : "") + parts[k];
  return out;
}

std::string ints(const std::vector<int>& v) {
  std::string out;
  for (std::size_t k = 0; k < v.size(); ++k) out += (k ? ", " : "") + std::to_string(v[k]);
  return out;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whole-word replacement of the fused parameters' names by their types.
std::string substitute(const std::string& text, const std::map<std::string, std::string>& bound) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (!is_word_char(text[i]) || (i > 0 && (is_word_char(text[i - 1]) || text[i - 1] == ':'))) {
      out += text[i++];
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && is_word_char(text[j])) ++j;
    std::string word = text.substr(i, j - i);
    auto it = bound.find(word);
    out += it == bound.end() ? word : it->second;
    i = j;
  }
  return out;
}

std::string strip(std::string s) {
  auto drop = [&](const std::string& w) {
    for (std::size_t p; (p = s.find(w)) != std::string::npos;) s.erase(p, w.size());
  };
  drop("const ");
  drop(" const");
  drop("&");
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  if (s.rfind("::", 0) == 0) s.erase(0, 2);
  return s;
}

// Top-level template arguments of "head<a, b<c, d>>".
std::vector<std::string> template_args(const std::string& s) {
  std::vector<std::string> out;
  std::size_t lt = s.find('<');
  if (lt == std::string::npos || s.back() != '>') return out;
  int depth = 0;
  std::string cur;
  for (std::size_t i = lt + 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(strip(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(strip(cur));
  return out;
}

// NumPy's type character for a C++ scalar type's text (LP64: int64 is 'l').
std::string type_char(const std::string& raw) {
  std::string t = strip(raw);
  if (t.rfind("std::", 0) == 0 && t.find("_t") != std::string::npos) t.erase(0, 5);
  static const std::map<std::string, std::string> chars = {
      {"bool", "?"},
      {"signed char", "b"},
      {"char", "b"},
      {"int8_t", "b"},
      {"npy_int8", "b"},
      {"unsigned char", "B"},
      {"uint8_t", "B"},
      {"npy_uint8", "B"},
      {"short", "h"},
      {"short int", "h"},
      {"signed short", "h"},
      {"int16_t", "h"},
      {"npy_int16", "h"},
      {"unsigned short", "H"},
      {"unsigned short int", "H"},
      {"uint16_t", "H"},
      {"npy_uint16", "H"},
      {"int", "i"},
      {"signed", "i"},
      {"signed int", "i"},
      {"int32_t", "i"},
      {"npy_int32", "i"},
      {"unsigned", "I"},
      {"unsigned int", "I"},
      {"uint32_t", "I"},
      {"npy_uint32", "I"},
      {"long", "l"},
      {"long int", "l"},
      {"long long", "l"},
      {"long long int", "l"},
      {"signed long", "l"},
      {"int64_t", "l"},
      {"npy_int64", "l"},
      {"ptrdiff_t", "l"},
      {"ssize_t", "l"},
      {"Py_ssize_t", "l"},
      {"intptr_t", "l"},
      {"npy_intp", "l"},
      {"pyx::index_t", "l"},
      {"unsigned long", "L"},
      {"unsigned long int", "L"},
      {"unsigned long long", "L"},
      {"uint64_t", "L"},
      {"npy_uint64", "L"},
      {"size_t", "L"},
      {"uintptr_t", "L"},
      {"float", "f"},
      {"double", "d"},
      {"std::complex<float>", "F"},
      {"complex<float>", "F"},
      {"std::complex<double>", "D"},
      {"complex<double>", "D"},
  };
  auto it = chars.find(t);
  return it == chars.end() ? "{" + t + "}" : it->second;
}

// The element type of "pyx::view<const double, 1>", or the text itself.
std::string operand_scalar(const std::string& type) {
  std::string t = strip(type);
  for (const char* v : {"pyx::view<", "pyx::cview<", "pyx::fview<"})
    if (t.rfind(v, 0) == 0) {
      auto args = template_args(t);
      return args.empty() ? t : args[0];
    }
  return t;
}

std::vector<std::string> returned_types(const std::string& ret) {
  std::string r = strip(ret);
  if (r == "void") return {};
  if (r.rfind("std::tuple<", 0) == 0) return template_args(r);
  return {r};
}

int rank(const std::string& sig) {
  static const std::string order = "?bBhHiIlLqQfdgFDG";
  int r = 0;
  for (std::size_t i = 0; i < sig.size(); ++i) {
    if (sig[i] == '-' || sig[i] == '>') continue;
    std::size_t p = sig[i] == '{' ? std::string::npos : order.find(sig[i]);
    r = r * 32 + (p == std::string::npos ? 31 : static_cast<int>(p));
    if (sig[i] == '{') i = sig.find('}', i);
  }
  return r;
}

}  // namespace

int ufunc_nin(const scan::Export& e) {
  return e.kind == scan::ExportKind::gufunc ? e.ufunc.nin : static_cast<int>(e.params.size());
}

int ufunc_nout(const scan::Export& e) {
  if (e.kind == scan::ExportKind::gufunc) return static_cast<int>(e.ufunc.core.size()) - e.ufunc.nin;
  return static_cast<int>(returned_types(e.return_type).size());
}

std::vector<std::string> ufunc_loop_signatures(const scan::Export& e) {
  std::vector<std::pair<int, std::string>> sigs;
  for (const auto& inst : fused_instantiations(e)) {
    std::map<std::string, std::string> bound;
    for (std::size_t k = 0; k < e.fused.size(); ++k) bound[e.fused[k].name] = inst[k];
    std::vector<std::string> ops;
    for (const auto& p : e.params) ops.push_back(type_char(operand_scalar(substitute(p.type, bound))));
    for (const auto& r : returned_types(substitute(e.return_type, bound))) ops.push_back(type_char(r));
    int nin = ufunc_nin(e);
    std::string sig;
    for (std::size_t k = 0; k < ops.size(); ++k) sig += (static_cast<int>(k) == nin ? "->" : "") + ops[k];
    sigs.push_back({rank(sig), sig});
  }
  std::stable_sort(sigs.begin(), sigs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& s : sigs) out.push_back(std::move(s.second));
  return out;
}

bool render_ufunc(const scan::Export& e, const std::string& tmpl, const std::string& source_loc, std::string* out,
                  std::string* err) {
  std::vector<std::string> loops;
  std::string q = e.qualified_name.empty() ? e.name : e.qualified_name;
  for (const auto& inst : fused_instantiations(e))
    loops.push_back("&::" + q + (inst.empty() ? "" : "<" + join(inst, ", ") + ">"));

  std::string layout, layout_type = "pyx::ufunc::no_layout", signature = "nullptr";
  if (e.kind == scan::ExportKind::gufunc) {
    std::vector<std::string> names;
    std::vector<int> ndims, offsets, index;
    for (const auto& op : e.ufunc.core) {
      offsets.push_back(static_cast<int>(index.size()));
      ndims.push_back(static_cast<int>(op.size()));
      for (const auto& d : op) {
        auto it = std::find(names.begin(), names.end(), d);
        index.push_back(static_cast<int>(it - names.begin()));
        if (it == names.end()) names.push_back(d);
      }
    }
    index.push_back(-1);  // never empty
    std::string names_list;
    for (std::size_t k = 0; k < e.ufunc.core.size(); ++k)
      names_list += std::string(k ? ", " : "") +
                    (k < e.params.size() ? cpp_string_literal(e.params[k].name) : std::string("nullptr"));
    layout_type = "pyx_gl_" + e.name;
    layout = "struct " + layout_type + " {\n  static constexpr int nin = " + std::to_string(e.ufunc.nin) +
             ", nout = " + std::to_string(e.ufunc.core.size() - e.ufunc.nin) + ";\n" +
             "  static constexpr int ndims[] = {" + ints(ndims) + "};\n" + "  static constexpr int offsets[] = {" +
             ints(offsets) + "};\n" + "  static constexpr int dim_index[] = {" + ints(index) + "};\n" +
             "  static constexpr const char* names[] = {" + names_list + "};\n};\n";
    signature = cpp_string_literal(e.ufunc.signature);
  }

  const std::string& id = e.ufunc.identity;
  std::string identity = "PyUFunc_None", identity_value = "nullptr";
  if (id == "0")
    identity = "PyUFunc_Zero";
  else if (id == "1")
    identity = "PyUFunc_One";
  else if (id == "-1")
    identity = "PyUFunc_MinusOne";
  else if (id == "None")
    identity = "PyUFunc_ReorderableNone";
  else if (!id.empty()) {
    identity = "PyUFunc_IdentityValue";
    std::string ns = q.rfind("::") == std::string::npos ? "" : q.substr(0, q.rfind("::"));
    identity_value = "[]() -> PyObject* {" + (ns.empty() ? "" : " using namespace ::" + ns + ";") +
                     " return pyx::ufunc::identity_object(" + id + "); }()";
  }
  return render_template(tmpl,
                         {{"NAME", e.name},
                          {"SOURCE_LOC", source_loc},
                          {"LAYOUT", layout},
                          {"LAYOUT_TYPE", layout_type},
                          {"GIL", e.ufunc.needs_gil ? "true" : "false"},
                          {"PARALLEL", e.ufunc.parallel ? "true" : "false"},
                          {"THRESHOLD", e.ufunc.parallel_threshold.empty() ? "pyx::ufunc::default_parallel_threshold"
                                                                           : e.ufunc.parallel_threshold},
                          {"LOOPS", join(loops, ", ")},
                          {"NAME_LITERAL", cpp_string_literal(e.name)},
                          {"DOC_LITERAL", cpp_string_literal(e.doc)},
                          {"IDENTITY", identity},
                          {"IDENTITY_VALUE", identity_value},
                          {"SIGNATURE", signature}},
                         out, err);
}

}  // namespace cxximport::codegen
