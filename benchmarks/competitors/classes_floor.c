/* Issue 10's class benchmark floor: the Pair type written by hand with the
 * CPython C API the way a careful author would, with the features an exported
 * cxximport class has (subclassable, weak-referenceable, keywords accepted):
 *  - add() is METH_FASTCALL (positional only: the least work a method can do);
 *  - x is a T_DOUBLE member (the interpreter's own getter and setter);
 *  - Pair(x) goes through the type's tp_vectorcall (no argument tuple), which
 *    allocates with tp_alloc and stores x directly; keywords, subclasses and
 *    Pair.__new__ take tp_new + tp_init as usual;
 *  - tp_dealloc clears weak references and frees; no freelist (no competitor
 *    has one by default).
 * Built by benchmarks/bench_classes.py with cc -O3. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    PyObject *weaklist;
    double x;
} Pair;

static PyTypeObject PairType;

static int Pair_init(Pair *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"x", NULL};
    double x;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "d:Pair", names, &x)) return -1;
    self->x = x;
    return 0;
}

static PyObject *Pair_vectorcall(PyObject *type, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames || nargs != 1 || type != (PyObject *)&PairType) {
        /* the general path: type.__call__ runs tp_new and tp_init */
        PyObject *tuple = PyTuple_New(nargs), *kw = NULL;
        if (!tuple) return NULL;
        for (Py_ssize_t k = 0; k < nargs; ++k) PyTuple_SET_ITEM(tuple, k, Py_NewRef(args[k]));
        if (kwnames) {
            kw = PyDict_New();
            for (Py_ssize_t j = 0; kw && j < PyTuple_GET_SIZE(kwnames); ++j)
                if (PyDict_SetItem(kw, PyTuple_GET_ITEM(kwnames, j), args[nargs + j]) < 0) Py_CLEAR(kw);
            if (!kw) {
                Py_DECREF(tuple);
                return NULL;
            }
        }
        PyObject *r = PyType_Type.tp_call(type, tuple, kw);
        Py_DECREF(tuple);
        Py_XDECREF(kw);
        return r;
    }
    double x = PyFloat_AsDouble(args[0]);
    if (x == -1.0 && PyErr_Occurred()) return NULL;
    Pair *self = (Pair *)PairType.tp_alloc(&PairType, 0);
    if (!self) return NULL;
    self->x = x;
    return (PyObject *)self;
}

static void Pair_dealloc(Pair *self) {
    if (self->weaklist) PyObject_ClearWeakRefs((PyObject *)self);
    Py_TYPE(self)->tp_free((PyObject *)self);
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
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Pair_init,
    .tp_dealloc = (destructor)Pair_dealloc,
    .tp_weaklistoffset = offsetof(Pair, weaklist),
    .tp_methods = Pair_methods,
    .tp_members = Pair_members,
    .tp_vectorcall = Pair_vectorcall,
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
