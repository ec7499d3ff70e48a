"""``cxximport stubgen FILE.cxxpyx``: writes the module's type stub
``FILE.pyi`` next to the source, for type checkers and IDEs.

This is the one place where cxximport writes into the source tree, because
the user asked for it: imports never do (the build's own copy of the stub
stays in the cache entry). The text is ``_core.generate(...)["pyi"]``, the
same stub every build produces.
"""

from __future__ import annotations

import os

from . import _options
from ._files import write_if_changed
from ._finder import module_name_for


def stub_text(source: str, module: str | None = None) -> str:
    """The .pyi text of a .cxxpyx file (``module``: its import name, default
    from the path and the enclosing packages)."""
    from . import _core

    source = os.path.abspath(source)
    name = module or module_name_for(source)
    return _core.generate(source, name, _options.templates_dir())["pyi"]


def stub_path(source: str) -> str:
    """``dir/FILE.cxxpyx`` -> ``dir/FILE.pyi``."""
    return os.path.splitext(os.path.abspath(source))[0] + ".pyi"


def write_stub(source: str, output: str | None = None, module: str | None = None) -> str:
    """Writes the stub (atomically; unchanged files are not touched, so
    watching tools do not re-run) and returns its path."""
    path = os.path.abspath(output) if output else stub_path(source)
    write_if_changed(path, stub_text(source, module))
    return path
