// Call-overhead probes in idiomatic pybind11 (same work as floor.c's add/asum).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

namespace py = pybind11;

PYBIND11_MODULE(calls_pb, m) {
    m.def("add", [](long a, long b) { return a + b; }, py::arg("a"), py::arg("b"));
    m.def(
        "asum",
        [](py::array_t<double, py::array::c_style> a) {
            auto v = a.unchecked<1>();
            double s = 0;
            for (py::ssize_t i = 0; i < v.shape(0); ++i) s += v(i);
            return s;
        },
        py::arg("a"));
}
