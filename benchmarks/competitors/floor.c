/* The floor: what a careful engineer writes by hand with the raw CPython and
 * NumPy C APIs. The seed kernel (C-contiguous 2-D intc or float64 arrays,
 * OpenMP over rows, GIL released), and two call-overhead probes: add(a, b)
 * on C longs and asum(a) over a 1-D C-contiguous float64 array. Every entry
 * point is METH_FASTCALL with positional arguments only and minimal checks
 * (type, dtype, ndim, contiguity, overflow), so nothing generic can be
 * cheaper by much. Built by benchmarks/common.py with the C compiler at
 * benchmark time (-O3 -fopenmp, the flags cxximport uses for release builds).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

static inline int clip_i(int v) { return v < 2 ? 2 : (v > 10 ? 10 : v); }
static inline double clip_d(double v) { return v < 2 ? 2 : (v > 10 ? 10 : v); }

static void kernel_int(const int *restrict a1, const int *restrict a2, int *restrict r,
                       npy_intp n0, npy_intp n1, int a, int b, int c) {
#pragma omp parallel for schedule(static)
    for (npy_intp x = 0; x < n0; ++x) {
        const int *restrict p1 = a1 + x * n1;
        const int *restrict p2 = a2 + x * n1;
        int *restrict pr = r + x * n1;
        for (npy_intp y = 0; y < n1; ++y) pr[y] = clip_i(p1[y]) * a + p2[y] * b + c;
    }
}

static void kernel_double(const double *restrict a1, const double *restrict a2,
                          double *restrict r, npy_intp n0, npy_intp n1, double a, double b,
                          double c) {
#pragma omp parallel for schedule(static)
    for (npy_intp x = 0; x < n0; ++x) {
        const double *restrict p1 = a1 + x * n1;
        const double *restrict p2 = a2 + x * n1;
        double *restrict pr = r + x * n1;
        for (npy_intp y = 0; y < n1; ++y) pr[y] = clip_d(p1[y]) * a + p2[y] * b + c;
    }
}

static int check_2d(PyObject *o, const char *name, int typenum) {
    if (!PyArray_Check(o)) {
        PyErr_Format(PyExc_TypeError, "compute(): %s must be a numpy.ndarray", name);
        return 0;
    }
    PyArrayObject *arr = (PyArrayObject *)o;
    if (PyArray_NDIM(arr) != 2 || !PyArray_IS_C_CONTIGUOUS(arr) ||
        (typenum >= 0 && PyArray_TYPE(arr) != typenum)) {
        PyErr_Format(PyExc_TypeError,
                     "compute(): %s must be a C-contiguous 2-D intc or float64 array", name);
        return 0;
    }
    return 1;
}

static PyObject *compute(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "compute() takes 5 arguments");
        return NULL;
    }
    if (!check_2d(args[0], "array_1", -1)) return NULL;
    PyArrayObject *a1 = (PyArrayObject *)args[0];
    int typenum = PyArray_TYPE(a1);
    if (typenum != NPY_INT && typenum != NPY_DOUBLE) return check_2d(args[0], "array_1", NPY_INT), NULL;
    if (!check_2d(args[1], "array_2", typenum)) return NULL;
    PyArrayObject *a2 = (PyArrayObject *)args[1];
    npy_intp *shape = PyArray_DIMS(a1);
    if (shape[0] != PyArray_DIMS(a2)[0] || shape[1] != PyArray_DIMS(a2)[1]) {
        PyErr_SetString(PyExc_ValueError, "compute(): arrays must have the same shape");
        return NULL;
    }
    PyArrayObject *r = (PyArrayObject *)PyArray_EMPTY(2, shape, typenum, 0);
    if (!r) return NULL;
    if (typenum == NPY_INT) {
        long a = PyLong_AsLong(args[2]), b = PyLong_AsLong(args[3]), c = PyLong_AsLong(args[4]);
        if (PyErr_Occurred()) return Py_DECREF(r), NULL;
        Py_BEGIN_ALLOW_THREADS
        kernel_int(PyArray_DATA(a1), PyArray_DATA(a2), PyArray_DATA(r), shape[0], shape[1],
                   (int)a, (int)b, (int)c);
        Py_END_ALLOW_THREADS
    } else {
        double a = PyFloat_AsDouble(args[2]), b = PyFloat_AsDouble(args[3]),
               c = PyFloat_AsDouble(args[4]);
        if (PyErr_Occurred()) return Py_DECREF(r), NULL;
        Py_BEGIN_ALLOW_THREADS
        kernel_double(PyArray_DATA(a1), PyArray_DATA(a2), PyArray_DATA(r), shape[0], shape[1],
                      a, b, c);
        Py_END_ALLOW_THREADS
    }
    return (PyObject *)r;
}

static PyObject *add(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "add() takes 2 arguments");
        return NULL;
    }
    long a = PyLong_AsLong(args[0]);
    if (a == -1 && PyErr_Occurred()) return NULL;
    long b = PyLong_AsLong(args[1]);
    if (b == -1 && PyErr_Occurred()) return NULL;
    long r;
    if (__builtin_add_overflow(a, b, &r)) {
        PyErr_SetString(PyExc_OverflowError, "add(): result out of range");
        return NULL;
    }
    return PyLong_FromLong(r);
}

static PyObject *asum(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "asum() takes 1 argument");
        return NULL;
    }
    PyArrayObject *arr = (PyArrayObject *)args[0];
    if (!PyArray_Check(args[0]) || PyArray_NDIM(arr) != 1 || PyArray_TYPE(arr) != NPY_DOUBLE ||
        !PyArray_IS_C_CONTIGUOUS(arr)) {
        PyErr_SetString(PyExc_TypeError, "asum(): a must be a C-contiguous 1-D float64 array");
        return NULL;
    }
    const double *p = PyArray_DATA(arr);
    npy_intp n = PyArray_DIM(arr, 0);
    double s = 0;
    for (npy_intp i = 0; i < n; ++i) s += p[i];
    return PyFloat_FromDouble(s);
}

static PyMethodDef methods[] = {
    {"compute", (PyCFunction)(void (*)(void))compute, METH_FASTCALL, "seed kernel"},
    {"add", (PyCFunction)(void (*)(void))add, METH_FASTCALL, "a + b"},
    {"asum", (PyCFunction)(void (*)(void))asum, METH_FASTCALL, "sum of a 1-D float64 array"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "floor", NULL, -1, methods};

PyMODINIT_FUNC PyInit_floor(void) {
    import_array();
    return PyModule_Create(&module);
}
