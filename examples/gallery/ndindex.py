import numpy as np


def index_weighted_sum(a):
    total = 0.0
    for idx in np.ndindex(a.shape):
        total += a[idx] * sum(idx)
    return total
