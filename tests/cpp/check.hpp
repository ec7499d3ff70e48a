// A minimal unit-test harness for the core (no third-party framework needed).
// TEST(name) { CHECK(cond); CHECK_EQ(a, b); }  -- the runner is tests/cpp/main.cpp.
#pragma once

#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace cxxtest {

struct Case {
  const char* name;
  std::function<void()> fn;
};
std::vector<Case>& registry();
void fail(const char* file, int line, const std::string& what);

struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

template <class A, class B>
void check_eq(const A& a, const B& b, const char* ea, const char* eb, const char* file, int line) {
  if (!(a == b)) {
    std::ostringstream os;
    os << ea << " == " << eb << "\n    left:  " << a << "\n    right: " << b;
    fail(file, line, os.str());
  }
}

}  // namespace cxxtest

#define CXXTEST_CAT2(a, b) a##b
#define CXXTEST_CAT(a, b) CXXTEST_CAT2(a, b)
#define TEST(name)                                                  \
  static void name();                                               \
  static ::cxxtest::Registrar CXXTEST_CAT(reg_, name)(#name, name); \
  static void name()
#define CHECK(cond)                                          \
  do {                                                       \
    if (!(cond)) ::cxxtest::fail(__FILE__, __LINE__, #cond); \
  } while (0)
#define CHECK_EQ(a, b) ::cxxtest::check_eq((a), (b), #a, #b, __FILE__, __LINE__)
