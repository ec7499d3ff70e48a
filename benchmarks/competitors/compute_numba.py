"""The seed kernel in Numba (parallel=True, prange): used in-process by the
kernel benchmark and in a fresh process by the cold-build benchmark."""

import numba
import numpy as np


@numba.njit(parallel=True)
def compute(array_1, array_2, a, b, c):
    x_max, y_max = array_1.shape
    result = np.empty((x_max, y_max), dtype=array_1.dtype)
    for x in numba.prange(x_max):
        for y in range(y_max):
            tmp = min(max(array_1[x, y], 2), 10)
            result[x, y] = tmp * a + array_2[x, y] * b + c
    return result
