# The Cython tutorial's compute_contiguous.pyx ("Declaring the NumPy arrays as
# contiguous"): int[:, ::1] memoryviews, boundscheck(False),
# wraparound(False), one thread, np.intc only. clip is `noexcept` as in the
# current Cython docs (Cython 3 otherwise checks for an exception per call).
# cython: language_level=3
import numpy as np
cimport cython

DTYPE = np.intc

cdef int clip(int a, int min_value, int max_value) noexcept:
    return min(max(a, min_value), max_value)

@cython.boundscheck(False)
@cython.wraparound(False)
def compute(int[:, ::1] array_1, int[:, ::1] array_2, int a, int b, int c):

    cdef Py_ssize_t x_max = array_1.shape[0]
    cdef Py_ssize_t y_max = array_1.shape[1]

    assert tuple(array_1.shape) == tuple(array_2.shape)

    result = np.zeros((x_max, y_max), dtype=DTYPE)
    cdef int[:, ::1] result_view = result

    cdef int tmp
    cdef Py_ssize_t x, y

    for x in range(x_max):
        for y in range(y_max):

            tmp = clip(array_1[x, y], 2, 10)
            tmp = tmp * a + array_2[x, y] * b
            result_view[x, y] = tmp + c

    return result
