"""Ahead-of-time builds: what the CMake function ``cxximport_add_module``
(``cmake/cxximport.cmake``) asks the package for.

- ``cmake_dir()``: where ``cxximportConfig.cmake`` lives (``cxximport --cmake-dir``);
- ``generate(...)``: the module source and stub of a ``.cxxpyx`` file
  (``cxximport generate``), the same text the import hook compiles;
- ``module_flags(source)``: the compile and link flags the import hook would
  use, from ``[tool.cxximport]`` of the nearest ``pyproject.toml`` and the
  file's directives (``cxximport flags``), as data or as a CMake script.

The flags mirror ``module_flags`` in ``src/toolchain/toolchain.cpp`` minus what
CMake provides itself: the Python and NumPy include directories,
``-fPIC``/``-fvisibility=hidden`` (``Python_add_library``, the target's
visibility preset) and ``-fopenmp`` (``OpenMP::OpenMP_CXX``).
Environment variables (``CXX``, ``CXXIMPORT_BUILD_TYPE``...) are the import
hook's business and are not read here: a wheel build is configured by CMake.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from . import _options
from ._files import write_atomic


def _package_dir() -> str:
    return os.path.dirname(os.path.abspath(__file__))


def cmake_dir() -> str:
    """The installed cmake/ directory; in a source checkout, the repository's."""
    installed = os.path.join(_package_dir(), "cmake")
    if os.path.isfile(os.path.join(installed, "cxximportConfig.cmake")):
        return installed
    checkout = os.path.normpath(os.path.join(_package_dir(), os.pardir, os.pardir, "cmake"))
    return checkout if os.path.isdir(checkout) else installed


def _core() -> Any:
    from . import _core as core

    return core


def _write(path: str, text: str) -> None:
    """Always writes (even unchanged), so CMake sees the output newer than its inputs."""
    write_atomic(path, text)


def generate(
    source: str, module: str, output: str, pyi: str | None = None, display_path: str | None = None
) -> None:
    """Writes the generated module source of ``source`` (imported as
    ``module``) to ``output``, and its stub to ``pyi`` when given; the module
    docstring and the stub name the source as ``display_path`` when given."""
    source = os.path.abspath(source)
    texts = _core().generate(source, module, _options.templates_dir(), display_path)
    _write(output, texts["module_cpp"])
    if pyi:
        _write(pyi, texts["pyi"])


def _in(directory: str, path: str) -> str:
    return os.path.normpath(path if os.path.isabs(path) else os.path.join(directory, path))


def module_flags(source: str) -> dict[str, Any]:
    """What a build of ``source`` needs besides Python, NumPy and the runtime.

    Keys: ``cxxflags``, ``ldflags`` (lists, in the order the hook uses),
    ``openmp`` (bool), ``include_dirs``, ``sources``, ``depends`` (absolute
    paths), ``config_files`` (files whose change changes these flags).
    """
    source = os.path.abspath(source)
    source_dir = os.path.dirname(source)
    project = _options.pyproject_options(source)
    file = _core().scan(source)["directives"]

    # Options first, then the file's directives (as the core's merge()):
    # booleans OR, the file's std/optimize win, lists concatenate. `arch` is
    # left out: a wheel must run on any CPU of its platform tag.
    def merged(name: str) -> list[str]:
        return list(project.get(name, [])) + list(file.get(name) or [])

    std = file.get("std") or project.get("std") or "c++20"
    optimize = file.get("optimize") or project.get("optimize") or "3"
    debug = project.get("build_type") == "debug"
    boundscheck = bool(file.get("boundscheck") or project.get("boundscheck"))

    cxxflags = [f"-std={std}"]
    cxxflags += ["-O0", "-g"] if debug else [f"-O{optimize}", "-DNDEBUG"]
    cxxflags.append("-fno-plt")
    # The numerics defaults (docs/language.md) that every compiler takes; the
    # hook's GCC-only ones (-fcx-fortran-rules, the libmvec declarations) need
    # to know the compiler, which CMake chooses.
    cxxflags.append("-fopenmp-simd")
    if file.get("vecmath", True) is not False and project.get("vecmath", True) is not False:
        cxxflags += ["-fno-math-errno", "-fno-trapping-math"]
    if debug or boundscheck:
        cxxflags.append("-DPYX_BOUNDSCHECK=1")
    cxxflags.append(f"-iquote{source_dir}")  # joined: CMake de-duplicates options
    cxxflags += merged("cxxflags")

    # pyproject paths are already absolute; the file's are relative to it.
    include_dirs = [source_dir] + [_in(source_dir, d) for d in merged("include_dirs")]
    ldflags: list[str] = []
    for directory in (_in(source_dir, d) for d in merged("library_dirs")):
        ldflags += [f"-L{directory}", f"-Wl,-rpath,{directory}"]
    ldflags += [f"-l{lib}" for lib in merged("libraries")]
    ldflags += merged("ldflags")

    pyproject = _options.find_pyproject(source)
    return {
        "cxxflags": cxxflags,
        "ldflags": ldflags,
        "openmp": bool(file.get("openmp") or project.get("openmp")),
        "include_dirs": include_dirs,
        "sources": [_in(source_dir, s) for s in file.get("sources") or []],
        "depends": [_in(source_dir, d) for d in merged("depends")],
        "config_files": [source] + ([pyproject] if pyproject else []),
    }


# --------------------------------------------------------------------------
# CMake output.


def _cmake_escape(text: str) -> str:
    """``text`` inside a CMake quoted argument, as one list element."""
    for a, b in (("\\", "\\\\"), ('"', '\\"'), ("$", "\\$"), (";", "\\;")):
        text = text.replace(a, b)
    return text


def cmake_list(items: Sequence[str]) -> str:
    """A CMake quoted argument whose value is the list ``items``, literally."""
    return '"' + ";".join(_cmake_escape(item) for item in items) + '"'


def to_cmake(flags: Mapping[str, Any], prefix: str = "CXXIMPORT") -> str:
    """A CMake script that sets ``<prefix>_<KEY>`` for every key of ``flags``."""
    lines = ["# Generated by `cxximport flags --cmake`: the flags of one .cxxpyx module."]
    for key, value in flags.items():
        name = f"{prefix}_{key.upper()}"
        if isinstance(value, bool):
            lines.append(f"set({name} {'ON' if value else 'OFF'})")
        else:
            lines.append(f"set({name} {cmake_list(value)})")
    return "\n".join(lines) + "\n"
