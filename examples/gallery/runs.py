import numpy as np


def run_starts(labels):
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    return labels[starts], starts
