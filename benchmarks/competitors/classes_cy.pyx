# Issue 10's class benchmark: the cdef class counterpart of classes.cxxpyx.
cdef class Pair:
    cdef public double x

    def __init__(self, double x):
        self.x = x

    cpdef double add(self, double a, double b):
        return self.x + a + b
