"""The ufuncs of ufuncs.cxxpyx at work: python examples/ufuncs/demo.py"""

import os
import sys

import cxximport
import numpy as np

cxximport.install()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ufuncs  # noqa: E402  (built on first import)

array_1 = np.arange(12).reshape(3, 4)
array_2 = np.ones((3, 4), dtype=np.int64)
# a varies per column, b per row, c is one number: NumPy broadcasts the five inputs.
a = np.array([1, 2, 3, 4])
b = np.array([[10], [20], [30]])
print(ufuncs.compute)
print("loops:", ufuncs.compute.types)
print(ufuncs.compute(array_1, array_2, a, b, 7))
print("scalars give a NumPy scalar:", ufuncs.compute(1.5, 2.0, 3.0, 4.0, 5.0))

points = np.random.default_rng(0).random((5, 3))
print("row norms:", ufuncs.row_norm(points))
print("distances:\n", ufuncs.pairwise_distance(points, points[:2]))
