# Call-overhead probes in idiomatic Cython: a scalar add and the sum of a
# small contiguous float64 array (a typed memoryview, as the tutorial uses).
# cython: language_level=3, boundscheck=False, wraparound=False


def add(long a, long b):
    return a + b


def asum(const double[::1] a):
    cdef double s = 0
    cdef Py_ssize_t i
    for i in range(a.shape[0]):
        s += a[i]
    return s
