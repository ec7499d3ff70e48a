#include "codegen/module_gen.hpp"

#include <algorithm>
#include <map>

#include "codegen/module_name.hpp"
#include "codegen/omp_rewrite.hpp"
#include "codegen/ufunc_gen.hpp"
#include "codegen/class_gen.hpp"
#include "codegen/writer.hpp"
#include "scan/pytype.hpp"
#include "util/utf8.hpp"

namespace cxximport::codegen {

namespace {

int count_lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t k = 0; k < parts.size(); ++k) out += (k ? sep : "") + parts[k];
  return out;
}

// "ns::inner::f" -> "ns::inner"; "f" -> "".
std::string namespace_of(const std::string& qualified) {
  auto pos = qualified.rfind("::");
  return pos == std::string::npos ? "" : qualified.substr(0, pos);
}

std::string instantiation_expr(const scan::Export& e, const std::vector<std::string>& types) {
  std::string q = e.qualified_name.empty() ? e.name : e.qualified_name;
  std::string expr = "&::" + q;
  if (!types.empty()) expr += "<" + join(types, ", ") + ">";
  return expr;
}

// Default values are built inside the function's own namespace, with the
// fused parameters bound, so `int n = kLimit` or `T b = T(3)` mean there what
// they mean at the declaration.
std::string default_namespace(const scan::Export& e, const std::vector<std::string>& types, std::size_t inst,
                              std::vector<std::string>* providers) {
  bool any = false;
  for (const auto& p : e.params) any |= !p.default_value.empty();
  providers->assign(e.params.size(), "pyx::detail::no_default{}");
  if (!any) return "";
  std::string ns = namespace_of(e.qualified_name);
  std::string inner = "pyx_gen_" + e.name + "_" + std::to_string(inst);
  std::string out;
  if (!ns.empty()) out += "namespace " + ns + " {\n";
  out += "namespace " + inner + " {\n";
  for (std::size_t k = 0; k < e.fused.size(); ++k) out += "using " + e.fused[k].name + " = " + types[k] + ";\n";
  out += "using F = decltype(" + instantiation_expr(e, types) + ");\n";
  for (std::size_t i = 0; i < e.params.size(); ++i) {
    const std::string& d = e.params[i].default_value;
    if (d.empty()) continue;
    std::string vt = "pyx::detail::value_t<F, " + std::to_string(i) + ">";
    std::string init = d.front() == '{' ? vt + d : vt + "(" + d + ")";
    out += "inline " + vt + " def_" + std::to_string(i) + "() { return " + init + "; }\n";
    (*providers)[i] = "&::" + (ns.empty() ? "" : ns + "::") + inner + "::def_" + std::to_string(i);
  }
  out += "}  // namespace " + inner + "\n";
  if (!ns.empty()) out += "}  // namespace " + ns + "\n";
  return out;
}

std::string dispatch_code(const scan::Export& e, std::vector<std::string>* default_blocks) {
  auto insts = fused_instantiations(e);
  std::string nogil = e.nogil ? "true" : "false";
  std::string out;
  std::vector<std::string> exprs;
  std::vector<std::string> defs;
  for (std::size_t k = 0; k < insts.size(); ++k) {
    std::vector<std::string> providers;
    default_blocks->push_back(default_namespace(e, insts[k], k, &providers));
    exprs.push_back(instantiation_expr(e, insts[k]));
    defs.push_back("std::make_tuple(" + join(providers, ", ") + ")");
  }
  if (insts.size() == 1 && e.fused.empty()) {
    return "  return pyx::detail::invoke<" + exprs[0] + ", " + nogil + ">(sig, slots, " + defs[0] + ");\n";
  }
  // Strict pass (arrays' dtypes and scalars' Python types), then arrays only.
  for (const char* strict : {"true", "false"}) {
    for (std::size_t k = 0; k < insts.size(); ++k) {
      out += "  if (pyx::detail::matches<" + exprs[k] + ">(slots, " + strict + "))\n";
      out += "    return pyx::detail::invoke<" + exprs[k] + ", " + nogil + ">(sig, slots, " + defs[k] + ");\n";
    }
  }
  out += "  return pyx::detail::no_match<" + join(exprs, ", ") + ">(sig, slots);\n";
  return out;
}

}  // namespace

std::vector<std::vector<std::string>> fused_instantiations(const scan::Export& e) {
  std::vector<std::vector<std::string>> out{{}};
  for (const auto& f : e.fused) {
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : out)
      for (const auto& t : f.types) {
        auto v = prefix;
        v.push_back(t);
        next.push_back(std::move(v));
      }
    out = std::move(next);
  }
  return out;
}

std::string python_docstring(const scan::Export& e) {
  // The text signature: names and defaults only (what inspect.signature parses).
  std::vector<std::string> plain, typed;
  std::map<std::string, std::vector<std::string>> choices;
  for (const auto& f : e.fused) choices[f.name] = f.types;
  auto annotate = [&](const std::string& type) {
    // A fused parameter used directly, or inside another type.
    for (const auto& [name, types] : choices)
      if (type == name || type == "const " + name || type == name + " const" || type == "const " + name + "&")
        return scan::python_annotation(type, types);
    return scan::python_annotation(type);
  };
  for (const auto& p : e.params) {
    std::string d = p.default_value.empty() ? "" : scan::python_default(p.default_value);
    plain.push_back(p.name + (d.empty() ? "" : "=" + d));
    typed.push_back(p.name + ": " + annotate(p.type) + (d.empty() ? "" : " = " + d));
  }
  std::string doc = e.name + "(" + join(plain, ", ") + ")\n--\n\n";
  doc += e.name + "(" + join(typed, ", ") + ") -> " + annotate(e.return_type) + "\n";
  if (!e.fused.empty()) {
    for (const auto& f : e.fused) doc += "\n" + f.name + " is one of: " + join(f.types, ", ");
    doc += "\n";
  }
  if (!e.doc.empty()) doc += "\n" + e.doc + "\n";
  return doc;
}

bool generate_module(const scan::ScanResult& scan, const ModuleInput& in, GeneratedModule* out, std::string* err) {
  std::string module_tmpl, wrapper_tmpl, ufunc_tmpl;
  bool any_ufunc = false;
  for (const auto& e : scan.exports) any_ufunc |= e.kind != scan::ExportKind::function;
  if (!load_template(in.templates_dir, "module.cpp.in", &module_tmpl, err) ||
      !load_template(in.templates_dir, "wrapper.cpp.in", &wrapper_tmpl, err) ||
      (any_ufunc && !load_template(in.templates_dir, "ufunc.cpp.in", &ufunc_tmpl, err)))
    return false;

  // A byte order mark is legal only at the very start of a file; here the
  // source follows the generated head, so it goes (the scanner skips it too).
  std::string user = in.source_text.starts_with("\xEF\xBB\xBF") ? in.source_text.substr(3) : in.source_text;
  if (user.empty() || user.back() != '\n') user += '\n';
  // Exceptions in OpenMP constructs reach Python instead of std::terminate;
  // every line keeps its number, so diagnostics and #line stay right.
  if (scan.directives.openmp) user = rewrite_openmp(user);

  // Lines before the wrappers: count them by rendering the head first.
  const std::string& shown = in.display_path.empty() ? in.source_path : in.display_path;
  std::map<std::string, std::string> values = {
      {"VERSION", in.version},
      {"SOURCE_COMMENT", shown},
      {"SOURCE_LITERAL", cpp_string_literal(in.source_path)},
      {"USER_SOURCE", user},
      {"MODULE_NAME_LITERAL", cpp_string_literal(in.module_name)},
      // Python decodes the doc as UTF-8; a directory name need not be.
      {"MODULE_DOC_LITERAL", cpp_string_literal("Built by cxximport from " + replace_invalid_utf8(shown))},
      {"INIT_FUNCTION", init_function_name(in.module_name)},
      // Only modules with ufuncs compile NumPy's ufunc headers (and may use
      // pyx::floor_divide and friends in their source).
      {"RUNTIME_INCLUDES", any_ufunc ? "\n#include <pyx/ufunc.hpp>" : ""},
  };
  // Comments must not carry newlines from the path.
  for (char& ch : values["SOURCE_COMMENT"])
    if (ch == '\n' || ch == '\r') ch = '?';

  // Keep module.cpp's own line numbers after the user's source: the #line
  // after it names the physical line that follows, so compiler messages about
  // generated code match the file on disk and the spans below.
  const std::size_t user_at = module_tmpl.find("@USER_SOURCE@");
  const std::size_t wrappers_at = module_tmpl.find("@WRAPPERS@");
  if (user_at == std::string::npos || wrappers_at == std::string::npos || wrappers_at < user_at) {
    *err = "module.cpp.in must contain @USER_SOURCE@ before @WRAPPERS@";
    return false;
  }
  const int before_user = count_lines(module_tmpl.substr(0, user_at)) + (any_ufunc ? 1 : 0);
  const int user_lines = count_lines(user);
  const int between = count_lines(module_tmpl.substr(user_at, wrappers_at - user_at));
  const int generated_line = before_user + user_lines + 3;
  const int wrappers_first = before_user + 1 + user_lines + between;
  values["GENERATED_LINE"] = std::to_string(generated_line);

  // Exported classes come first: function wrappers may take or return them.
  ClassCode classes = generate_classes(scan, in.module_name, in.source_path);
  values["CLASS_EXEC"] = classes.exec;
  std::string wrappers = classes.definitions, entries;
  std::string ufunc_setup = any_ufunc ? "  if (_import_umath() < 0) return -1;\n" : "";
  int line = wrappers_first + count_lines(classes.definitions);
  for (const auto& e : scan.exports) {
    if (e.kind != scan::ExportKind::function) {
      std::string rendered;
      if (!render_ufunc(e, ufunc_tmpl, in.source_path + ":" + std::to_string(e.loc.line), &rendered, err)) return false;
      int n = count_lines(rendered);
      out->spans.push_back({line, line + n - 1, e.name, e.loc.line});
      line += n;
      wrappers += rendered;
      ufunc_setup += "  if (pyx_u_" + e.name + "(module) < 0) return -1;\n";
      continue;
    }
    std::vector<std::string> default_blocks;
    std::string dispatch = dispatch_code(e, &default_blocks);
    std::vector<std::string> names;
    int nrequired = 0;
    bool seen_default = false;
    for (const auto& p : e.params) {
      names.push_back(cpp_string_literal(p.name));
      if (!p.default_value.empty()) seen_default = true;
      if (!seen_default) ++nrequired;
    }
    std::string rendered;
    if (!render_template(wrapper_tmpl,
                         {{"NAME", e.name},
                          {"SOURCE_LOC", in.source_path + ":" + std::to_string(e.loc.line)},
                          {"DEFAULT_NAMESPACES", join(default_blocks, "")},
                          {"PARAM_NAMES", names.empty() ? "nullptr" : join(names, ", ")},
                          {"NAME_LITERAL", cpp_string_literal(e.name)},
                          {"NPARAMS", std::to_string(e.params.size())},
                          {"NREQUIRED", std::to_string(nrequired)},
                          {"NSLOTS", std::to_string(std::max<std::size_t>(1, e.params.size()))},
                          {"DISPATCH", dispatch}},
                         &rendered, err))
      return false;
    int n = count_lines(rendered);
    out->spans.push_back({line, line + n - 1, e.name, e.loc.line});
    line += n;
    wrappers += rendered;
    entries += "    {" + cpp_string_literal(e.name) +
               ", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(pyx_w_" + e.name +
               ")), METH_FASTCALL | METH_KEYWORDS, " + cpp_string_literal(python_docstring(e)) + "},\n";
  }
  values["WRAPPERS"] = wrappers;
  values["METHOD_ENTRIES"] = entries;
  values["UFUNC_SETUP"] = ufunc_setup;
  return render_template(module_tmpl, values, &out->module_cpp, err);
}

}  // namespace cxximport::codegen
