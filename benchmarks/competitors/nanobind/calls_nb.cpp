// Call-overhead probes in idiomatic nanobind (same work as floor.c's add/asum).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

namespace nb = nanobind;

NB_MODULE(calls_nb, m) {
    m.def("add", [](long a, long b) { return a + b; }, nb::arg("a"), nb::arg("b"));
    m.def(
        "asum",
        [](nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu> a) {
            auto v = a.view();
            double s = 0;
            for (size_t i = 0; i < v.shape(0); ++i) s += v(i);
            return s;
        },
        nb::arg("a"));
}
