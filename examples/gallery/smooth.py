import numpy as np


def smooth(x, weights=(1, 2, 1)):
    w = np.asarray(weights, dtype=float)
    return np.convolve(x, w / w.sum(), mode="same")
