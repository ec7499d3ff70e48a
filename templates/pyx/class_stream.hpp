// __repr__/__str__ of an exported class from its `operator<<` (a friend
// `std::ostream& operator<<(std::ostream&, const T&)`): included by the
// generated code only for classes that have one, since <sstream> is heavy.
#pragma once

#include <sstream>
#include <string>

#include "pyx/class.hpp"

namespace pyx::detail {

template <class T>
PyObject* stream_text(PyObject* o) {
  T* s = self_ptr<T>(o);
  if (!s) return nullptr;
  try {
    std::ostringstream os;
    os << *s;
    std::string text = os.str();
    return PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  } catch (...) {
    return translate_exception();
  }
}

}  // namespace pyx::detail
