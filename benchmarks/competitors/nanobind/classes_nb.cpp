// Issue 10's class benchmark in idiomatic nanobind: the Pair of classes.cxxpyx
// bound with nb::class_ (constructor, method, read-write attribute).
#include <nanobind/nanobind.h>

namespace nb = nanobind;

struct Pair {
    double x = 0;
    Pair(double x) : x(x) {}
    double add(double a, double b) const { return x + a + b; }
};

NB_MODULE(classes_nb, m) {
    nb::class_<Pair>(m, "Pair")
        .def(nb::init<double>(), nb::arg("x"))
        .def("add", &Pair::add, nb::arg("a"), nb::arg("b"))
        .def_rw("x", &Pair::x);
}
