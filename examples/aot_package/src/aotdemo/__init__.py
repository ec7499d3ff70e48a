"""A package whose C++ kernels were compiled from .cxxpyx when the wheel was built."""

from .kernels import compute, max_threads, norm2

__all__ = ["compute", "max_threads", "norm2"]
