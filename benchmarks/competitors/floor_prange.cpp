// The cold-build floor for issue 15 target 2: compute_prange.cxxpyx written by
// hand against the raw CPython and NumPy C APIs, in C++ as its user would, with
// everything that module has: int, double and long long (a template kernel),
// OpenMP over rows, the GIL released, a ValueError for different shapes.
// bench_cold_build.py compiles it with cxximport's own flags for the module
// (read from the cache entry's build.ninja), so the only difference left is
// what cxximport generates and includes.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <algorithm>

namespace {

template <class T>
T clip(T a, T lo, T hi) { return std::min(std::max(a, lo), hi); }

template <class T>
void kernel(const T* a1, const T* a2, T* r, npy_intp n0, npy_intp n1, T a, T b, T c) {
#pragma omp parallel for
    for (npy_intp x = 0; x < n0; ++x)
        for (npy_intp y = 0; y < n1; ++y)
            r[x * n1 + y] = clip(a1[x * n1 + y], T(2), T(10)) * a + a2[x * n1 + y] * b + c;
}

bool scalar(PyObject* o, long long* v) {
    *v = PyLong_AsLongLong(o);
    return !(*v == -1 && PyErr_Occurred());
}
bool scalar(PyObject* o, double* v) {
    *v = PyFloat_AsDouble(o);
    return !(*v == -1.0 && PyErr_Occurred());
}

template <class T, class S>
PyObject* run(PyArrayObject* a1, PyArrayObject* a2, PyObject* const* args, int typenum) {
    S s[3];
    for (int k = 0; k < 3; ++k)
        if (!scalar(args[2 + k], &s[k])) return nullptr;
    npy_intp* shape = PyArray_DIMS(a1);
    auto* r = reinterpret_cast<PyArrayObject*>(PyArray_EMPTY(2, shape, typenum, 0));
    if (!r) return nullptr;
    Py_BEGIN_ALLOW_THREADS
    kernel<T>(static_cast<const T*>(PyArray_DATA(a1)), static_cast<const T*>(PyArray_DATA(a2)),
              static_cast<T*>(PyArray_DATA(r)), shape[0], shape[1], T(s[0]), T(s[1]), T(s[2]));
    Py_END_ALLOW_THREADS
    return reinterpret_cast<PyObject*>(r);
}

bool check_2d(PyObject* o, const char* name) {
    if (!PyArray_Check(o) || PyArray_NDIM(reinterpret_cast<PyArrayObject*>(o)) != 2 ||
        !PyArray_IS_C_CONTIGUOUS(reinterpret_cast<PyArrayObject*>(o))) {
        PyErr_Format(PyExc_TypeError, "compute(): %s must be a C-contiguous 2-D array", name);
        return false;
    }
    return true;
}

PyObject* compute(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "compute() takes 5 arguments");
        return nullptr;
    }
    if (!check_2d(args[0], "array_1") || !check_2d(args[1], "array_2")) return nullptr;
    auto* a1 = reinterpret_cast<PyArrayObject*>(args[0]);
    auto* a2 = reinterpret_cast<PyArrayObject*>(args[1]);
    int typenum = PyArray_TYPE(a1);
    if (PyArray_TYPE(a2) != typenum) {
        PyErr_SetString(PyExc_TypeError, "compute(): the arrays must have the same dtype");
        return nullptr;
    }
    if (PyArray_DIMS(a1)[0] != PyArray_DIMS(a2)[0] || PyArray_DIMS(a1)[1] != PyArray_DIMS(a2)[1]) {
        PyErr_SetString(PyExc_ValueError, "array_1 and array_2 must have the same shape");
        return nullptr;
    }
    switch (typenum) {
        case NPY_INT: return run<int, long long>(a1, a2, args, typenum);
        case NPY_DOUBLE: return run<double, double>(a1, a2, args, typenum);
        case NPY_LONGLONG: return run<long long, long long>(a1, a2, args, typenum);
        default:
            PyErr_SetString(PyExc_TypeError, "compute(): intc, float64 or int64 arrays only");
            return nullptr;
    }
}

PyMethodDef methods[] = {
    {"compute", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(compute)), METH_FASTCALL,
     "seed kernel"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef module = {PyModuleDef_HEAD_INIT, "floor_prange", nullptr, -1, methods};

}  // namespace

PyMODINIT_FUNC PyInit_floor_prange(void) {
    import_array();
    return PyModule_Create(&module);
}
