/* The ufunc floor: what a careful engineer writes by hand with
 * PyUFunc_FromFuncAndData. Loops for a*x+y and sqrt(x*x+y*y) on float32 and
 * float64, with a contiguous fast path (restrict pointers, vectorised by the
 * compiler) and a strided fallback. Built by benchmarks/bench_ufunc.py with
 * the C compiler and the -march of cxximport's build of the same rules.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <math.h>
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#define AXPY_LOOP(NAME, T)                                                                   \
    static void NAME(char **args, const npy_intp *dims, const npy_intp *steps, void *data) { \
        npy_intp n = dims[0];                                                                \
        (void)data;                                                                          \
        if (steps[0] == sizeof(T) && steps[1] == sizeof(T) && steps[2] == sizeof(T) &&       \
            steps[3] == sizeof(T)) {                                                         \
            const T *restrict a = (const T *)args[0], *restrict x = (const T *)args[1];      \
            const T *restrict y = (const T *)args[2];                                        \
            T *restrict o = (T *)args[3];                                                    \
            for (npy_intp i = 0; i < n; ++i) o[i] = a[i] * x[i] + y[i];                      \
            return;                                                                          \
        }                                                                                    \
        for (npy_intp i = 0; i < n; ++i)                                                     \
            *(T *)(args[3] + i * steps[3]) = *(const T *)(args[0] + i * steps[0]) *          \
                                                 *(const T *)(args[1] + i * steps[1]) +      \
                                             *(const T *)(args[2] + i * steps[2]);           \
    }

#define HYP_LOOP(NAME, T, SQRT)                                                              \
    static void NAME(char **args, const npy_intp *dims, const npy_intp *steps, void *data) { \
        npy_intp n = dims[0];                                                                \
        (void)data;                                                                          \
        if (steps[0] == sizeof(T) && steps[1] == sizeof(T) && steps[2] == sizeof(T)) {       \
            const T *restrict x = (const T *)args[0], *restrict y = (const T *)args[1];      \
            T *restrict o = (T *)args[2];                                                    \
            for (npy_intp i = 0; i < n; ++i) o[i] = SQRT(x[i] * x[i] + y[i] * y[i]);         \
            return;                                                                          \
        }                                                                                    \
        for (npy_intp i = 0; i < n; ++i) {                                                   \
            T x = *(const T *)(args[0] + i * steps[0]), y = *(const T *)(args[1] + i * steps[1]); \
            *(T *)(args[2] + i * steps[2]) = SQRT(x * x + y * y);                            \
        }                                                                                    \
    }

AXPY_LOOP(axpy_f, float)
AXPY_LOOP(axpy_d, double)
HYP_LOOP(hyp_f, float, sqrtf)
HYP_LOOP(hyp_d, double, sqrt)

static PyUFuncGenericFunction axpy_funcs[] = {axpy_f, axpy_d};
static const char axpy_types[] = {NPY_FLOAT, NPY_FLOAT, NPY_FLOAT, NPY_FLOAT,
                                  NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE};
static PyUFuncGenericFunction hyp_funcs[] = {hyp_f, hyp_d};
static const char hyp_types[] = {NPY_FLOAT, NPY_FLOAT, NPY_FLOAT, NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE};
static void *no_data[] = {NULL, NULL};

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "ufunc_floor", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_ufunc_floor(void) {
    import_array();
    import_umath();
    PyObject *m = PyModule_Create(&def);
    if (!m) return NULL;
    PyObject *axpy = PyUFunc_FromFuncAndData(axpy_funcs, no_data, axpy_types, 2, 3, 1, PyUFunc_None,
                                             "axpy", "a * x + y", 0);
    PyObject *hyp = PyUFunc_FromFuncAndData(hyp_funcs, no_data, hyp_types, 2, 2, 1, PyUFunc_None,
                                            "hyp", "sqrt(x*x + y*y)", 0);
    if (!axpy || !hyp || PyModule_AddObject(m, "axpy", axpy) < 0 || PyModule_AddObject(m, "hyp", hyp) < 0) {
        Py_XDECREF(axpy);
        Py_XDECREF(hyp);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
