/*
<%
setup_pybind11(cfg)
cfg['compiler_args'] += ['-std=c++17', '-fopenmp']
cfg['linker_args'] += ['-fopenmp']
%>
*/
// The tutorial's final kernel (fused int/double/long long, OpenMP) written
// the pybind11 way, built by cppimport: the cold-build competitor.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <stdexcept>

namespace py = pybind11;

template <class T>
T clip(T a, T lo, T hi) { return std::min(std::max(a, lo), hi); }

template <class T>
py::array_t<T> compute(py::array_t<T, py::array::c_style> array_1,
                       py::array_t<T, py::array::c_style> array_2, T a, T b, T c) {
    if (array_1.ndim() != 2 || array_2.ndim() != 2)
        throw std::invalid_argument("array_1 and array_2 must be 2-D");
    if (array_1.shape(0) != array_2.shape(0) || array_1.shape(1) != array_2.shape(1))
        throw std::invalid_argument("array_1 and array_2 must have the same shape");
    const py::ssize_t x_max = array_1.shape(0), y_max = array_1.shape(1);
    py::array_t<T> result({x_max, y_max});
    auto r1 = array_1.template unchecked<2>();
    auto r2 = array_2.template unchecked<2>();
    auto out = result.template mutable_unchecked<2>();
    {
        py::gil_scoped_release nogil;
        #pragma omp parallel for
        for (py::ssize_t x = 0; x < x_max; ++x)
            for (py::ssize_t y = 0; y < y_max; ++y)
                out(x, y) = clip(r1(x, y), T(2), T(10)) * a + r2(x, y) * b + c;
    }
    return result;
}

PYBIND11_MODULE(compute_pb, m) {
    m.def("compute", &compute<int>, py::arg("array_1"), py::arg("array_2"), py::arg("a"),
          py::arg("b"), py::arg("c"));
    m.def("compute", &compute<double>);
    m.def("compute", &compute<long long>);
}
