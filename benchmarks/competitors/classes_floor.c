/* Issue 10's class benchmark floor: the Pair type written by hand with the
 * CPython C API (fixed layout, METH_FASTCALL method, a T_DOUBLE member,
 * positional-only __init__). Built by benchmarks/bench_classes.py. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    double x;
} Pair;

static int Pair_init(Pair *self, PyObject *args, PyObject *kwds) {
    if (kwds || PyTuple_GET_SIZE(args) != 1) {
        PyErr_SetString(PyExc_TypeError, "Pair(x)");
        return -1;
    }
    double x = PyFloat_AsDouble(PyTuple_GET_ITEM(args, 0));
    if (x == -1.0 && PyErr_Occurred()) return -1;
    self->x = x;
    return 0;
}

static PyObject *Pair_add(Pair *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "add(a, b)");
        return NULL;
    }
    double a = PyFloat_AsDouble(args[0]);
    if (a == -1.0 && PyErr_Occurred()) return NULL;
    double b = PyFloat_AsDouble(args[1]);
    if (b == -1.0 && PyErr_Occurred()) return NULL;
    return PyFloat_FromDouble(self->x + a + b);
}

static PyMethodDef Pair_methods[] = {
    {"add", (PyCFunction)(void (*)(void))Pair_add, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL}};

static PyMemberDef Pair_members[] = {{"x", T_DOUBLE, offsetof(Pair, x), 0, NULL}, {NULL, 0, 0, 0, NULL}};

static PyTypeObject PairType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "classes_floor.Pair",
    .tp_basicsize = sizeof(Pair),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Pair_init,
    .tp_methods = Pair_methods,
    .tp_members = Pair_members,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "classes_floor", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_classes_floor(void) {
    if (PyType_Ready(&PairType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&PairType);
    if (PyModule_AddObject(m, "Pair", (PyObject *)&PairType) < 0) return NULL;
    return m;
}
