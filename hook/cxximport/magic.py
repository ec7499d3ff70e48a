"""The IPython/Jupyter extension: ``%load_ext cxximport`` and the ``%%cxx``
cell magic.

    %%cxx --openmp -O2
    PYX_EXPORT double twice(double x) { return 2 * x; }

builds the cell as a ``.cxxpyx`` module and binds every function it exports
into the notebook's namespace (``twice(21.0)``). The cell is written to
``<cache>/magic/_cxx_magic_<hash>.cxxpyx`` (a private per-user directory,
never the current one); the module name comes from a hash of the cell and its
options, so re-running an edited cell loads new code under a new name, and
re-running an unchanged cell is a cache hit. Compile errors are raised as
``cxximport.CompileError`` with locations ``cell:LINE:COL``, LINE counted
from the cell's first line after ``%%cxx``.

Options: ``--openmp``, ``--boundscheck``, ``-O LEVEL`` (0-3, s, fast),
``--arch ARCH`` (auto, native, portable, or an -march value),
``--debug`` (``-O0 -g`` with bounds checks), ``--verbose`` (the compiler
command and output), ``--force`` (rebuild even when cached), ``-a``/``--annotate``
(the ``cxximport annotate`` report of the cell, shown inline under it). The rest comes
from the usual places (``cxximport.install(...)`` options, environment
variables), as for an import.
"""

from __future__ import annotations

import hashlib
import os
import sys
from types import ModuleType
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from . import _loader, _options
from ._files import write_if_changed

PREFIX = "_cxx_magic_"
CELL_LABEL = "cell"


def magic_dir(cache_dir: str | None = None) -> str:
    """Where cells are written: ``<cache root>/magic``, created 0700. A cache
    root the build cannot store into (read-only, refused) gives the private
    fallback cache the build uses instead; the build itself says so, once."""
    root = cache_dir or _options.default_cache_dir()
    root, _why = _loader._core().writable_cache_dir(root)
    path = os.path.join(root, "magic")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def module_name(code: str, options: dict[str, Any]) -> str:
    """``_cxx_magic_<16 hex digits>`` from the cell's text and its options."""
    digest = hashlib.sha256()
    digest.update(code.encode("utf-8"))
    digest.update(b"\0" + repr(sorted(options.items())).encode("utf-8"))
    return PREFIX + digest.hexdigest()[:16]


def _options_from(args: Any) -> dict[str, Any]:
    given: dict[str, Any] = {}
    if args.openmp:
        given["openmp"] = True
    if args.boundscheck:
        given["boundscheck"] = True
    if args.optimize is not None:
        given["optimize"] = args.optimize
    if args.arch is not None:
        given["arch"] = args.arch
    if args.debug:
        given["build_type"] = "debug"
    if args.verbose:
        given["verbose"] = True
    return _options.check(given, "%%cxx")


def _in_cell_terms(error: _loader.CompileError, path: str) -> _loader.CompileError:
    """The same error with the private file's path replaced by ``cell``."""
    message = str(error.args[0] if error.args else error).replace(path, CELL_LABEL)
    message = message.replace(f"({os.path.basename(path)}:", f"({CELL_LABEL}:")
    return _loader.CompileError(
        message,
        name=error.name,
        source=error.source,
        log=error.log,
        command=error.command,
        log_path=error.log_path,
        filename=error.filename,
        lineno=error.lineno,
        col=error.col,
    )


def _merged(options: dict[str, Any]) -> dict[str, Any]:
    """The cell's options on top of the installed finder's, as an import sees them."""
    from . import installed

    finder = installed()
    merged = dict(finder.options) if finder is not None else {}
    merged.update(options)
    return merged


def build_cell(code: str, options: dict[str, Any] | None = None, force: bool = False) -> ModuleType:
    """Builds a cell's code and returns the loaded module (also registered in
    ``sys.modules``). Raises CompileError located at ``cell:LINE``."""
    options = dict(options or {})
    merged = _merged(options)
    if force:
        merged["force"] = True
    name = module_name(code, options)
    cached = sys.modules.get(name)
    if cached is not None and not force:
        return cached
    path = os.path.join(magic_dir(merged.get("cache_dir")), name + ".cxxpyx")
    write_if_changed(path, code if code.endswith("\n") else code + "\n")
    try:
        result = _loader.build(path, name, merged)
    except _loader.CompileError as error:
        _loader._raise_from_source(_in_cell_terms(error, path), error.filename, error.lineno)
        raise  # not reached
    module = _loader._load_extension(name, _loader.open_validated(result))
    module.__file__ = result["so_path"]
    module.__cxxpyx__ = path  # type: ignore[attr-defined]  # our own marker attribute
    sys.modules[name] = module
    return module


def exported(module: Any) -> dict[str, Any]:
    """The module's public callables: the functions the cell exports."""
    return {
        key: value
        for key, value in vars(module).items()
        if not key.startswith("_") and callable(value)
    }


@magics_class
class CxxMagics(Magics):
    @magic_arguments()
    @argument("--openmp", action="store_true", help="compile and link with OpenMP")
    @argument("--boundscheck", action="store_true", help="v(i, j) checks its indices")
    @argument("-O", dest="optimize", metavar="LEVEL", help="optimisation level: 0-3, s, fast")
    @argument("--arch", metavar="ARCH", help="CPU: auto, native, portable, or an -march value")
    @argument("--debug", action="store_true", help="debug build: -O0 -g, bounds checks on")
    @argument("--verbose", action="store_true", help="print the compiler command and output")
    @argument("--force", action="store_true", help="rebuild even when cached")
    @argument(
        "-a",
        "--annotate",
        action="store_true",
        help="show the annotated report (cxximport annotate) under the cell",
    )
    @cell_magic
    def cxx(self, line: str, cell: str) -> None:
        """Builds the cell as a .cxxpyx module and binds its exported
        functions into the namespace (see ``cxximport.magic``)."""
        __tracebackhide__ = True  # noqa: F841 - IPython hides this frame
        args = parse_argstring(self.cxx, line)
        try:
            options = _options_from(args)
        except _options.OptionError as error:
            raise UsageError(str(error)) from None
        module = build_cell(cell, options, force=args.force)
        functions = exported(module)
        assert self.shell is not None  # a magic always runs in a shell
        self.shell.user_ns.update(functions)
        if args.verbose:
            print(f"cxximport: {module.__name__}: bound {', '.join(sorted(functions))}")
        if args.annotate:
            from IPython.display import display

            display(annotate_cell(module, options))


def annotate_cell(module: Any, options: dict[str, Any]) -> Any:
    """The annotate report of a built cell, its lines named ``cell:LINE``."""
    from ._annotate import annotate

    report = annotate(module.__cxxpyx__, module=module.__name__, options=_merged(options))
    report.display = CELL_LABEL
    return report


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext cxximport``: registers ``%%cxx``."""
    ipython.register_magics(CxxMagics)
