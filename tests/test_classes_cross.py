"""Classes shared between two .cxxpyx modules (issue 10, point 5).

`geom.cxxpyx` exports `geom::Vec`; `use.cxxpyx` includes that source as its
shared header and names the class with `PYX_IMPORT(geom, geom::Vec);`, so its
functions and methods take and return geom's own Python type.
"""

from __future__ import annotations

import textwrap

import pytest
from conftest import needs_core, run_python

pytestmark = needs_core

GEOM = """
#include <cmath>
namespace geom {
/// A 2-D vector.
PYX_EXPORT struct Vec {
  double x = 0, y = 0;
  Vec() = default;
  Vec(double x, double y) : x(x), y(y) {}
  double norm() const { return std::sqrt(x * x + y * y); }
  bool operator==(const Vec& o) const { return x == o.x && y == o.y; }
};
/// Another type, to pass where a Vec is expected.
PYX_EXPORT struct Other {
  int n = 1;
};
}  // namespace geom
PYX_EXPORT geom::Vec make(double x, double y) { return {x, y}; }
"""

USE = """
#include <optional>
#include "geom.cxxpyx"
PYX_IMPORT(geom, geom::Vec);

PYX_EXPORT double dot(const geom::Vec& a, geom::Vec b) { return a.x * b.x + a.y * b.y; }
PYX_EXPORT geom::Vec twice(geom::Vec v) { return {2 * v.x, 2 * v.y}; }
PYX_EXPORT void grow(geom::Vec& v) { v.x += 1; }
PYX_EXPORT double x_or(const geom::Vec* v) { return v ? v->x : -1; }
PYX_EXPORT double x_opt(std::optional<geom::Vec> v) { return v ? v->x : -2; }
PYX_EXPORT std::optional<geom::Vec> maybe(bool yes) {
  if (yes) return geom::Vec(5, 6);
  return std::nullopt;
}

/// Keeps a Vec: methods of this module's class take and return geom's type.
PYX_EXPORT struct Path {
  geom::Vec last;
  void add(const geom::Vec& v) { last = v; }
  geom::Vec tip() const { return last; }
};
"""


def _write(write_source, geom=GEOM, use=USE):
    write_source("geom.cxxpyx", geom)
    write_source("use.cxxpyx", use)


def test_second_module_takes_and_returns_the_first_modules_type(isolated_import, write_source):
    _write(write_source)
    use = isolated_import.import_module("use")
    geom = isolated_import.import_module("geom")
    v = geom.Vec(1, 2)
    assert use.dot(v, geom.Vec(3, 4)) == 11.0
    w = use.twice(v)
    assert type(w) is geom.Vec and w == geom.Vec(2, 4)
    use.grow(v)  # T& mutates the first module's object
    assert v.x == 2.0
    assert use.x_or(None) == -1.0 and use.x_or(v) == 2.0
    assert use.x_opt(None) == -2.0 and use.x_opt(v) == 2.0
    assert use.maybe(False) is None and type(use.maybe(True)) is geom.Vec
    p = use.Path()
    p.add(geom.make(7, 8))
    e = p.tip()
    assert isinstance(e, geom.Vec) and e.norm() == pytest.approx(10.630145812734649)
    assert type(p.last) is geom.Vec
    # Objects made by the second module work with the first's functions and methods.
    assert use.twice(v) == geom.make(4, 4)


def test_wrong_object_names_both_types(isolated_import, write_source):
    _write(write_source)
    use = isolated_import.import_module("use")
    geom = isolated_import.import_module("geom")
    with pytest.raises(
        TypeError, match=r"dot\(\) argument 'a': expected geom\.Vec, got geom\.Other"
    ):
        use.dot(geom.Other(), geom.Vec())
    with pytest.raises(TypeError, match=r"expected geom\.Vec, got use\.Path"):
        use.twice(use.Path())
    with pytest.raises(TypeError, match=r"expected geom\.Vec"):
        use.dot(None, geom.Vec())


def test_missing_first_module_is_an_import_error_naming_it(isolated_import, write_source):
    _write(write_source, use=USE.replace("PYX_IMPORT(geom,", "PYX_IMPORT(nogeom,"))
    with pytest.raises(ImportError, match=r"module 'nogeom'.*importing it failed") as info:
        isolated_import.import_module("use")
    assert info.value.name == "nogeom"
    assert isinstance(info.value.__cause__, ImportError)
    assert "use.cxxpyx:3" in str(info.value)


def test_class_the_first_module_does_not_export(isolated_import, write_source):
    use = USE.replace(
        "PYX_IMPORT(geom, geom::Vec);",
        "PYX_IMPORT(geom, geom::Vec);\nstruct Lone { int k = 1; };\n",
    )
    use += "PYX_IMPORT(geom, Lone);\nPYX_EXPORT int lone(const Lone& l) { return l.k; }\n"
    _write(write_source, use=use)
    with pytest.raises(
        ImportError, match=r"does not export that class \(it exports: geom::Vec, geom::Other\)"
    ):
        isolated_import.import_module("use")


def test_bad_import_mark_names_file_and_line(isolated_import, write_source):
    import cxximport

    _write(
        write_source, use=USE.replace("PYX_IMPORT(geom, geom::Vec);", "PYX_IMPORT(geom geom::Vec);")
    )
    with pytest.raises(
        cxximport.ScanError if hasattr(cxximport, "ScanError") else ImportError
    ) as info:
        isolated_import.import_module("use")
    assert "use.cxxpyx" in str(info.value) and ":3" in str(info.value)
    assert "PYX_IMPORT must read" in str(info.value)


PROCESS = """
import json, sys
sys.path.insert(0, {src!r})
import cxximport
cxximport.install()
{body}
"""


def _run(src, body):
    proc = run_python(PROCESS.format(src=str(src), body=textwrap.dedent(body)))
    assert proc.returncode == 0, proc.stderr
    return proc.result


def test_built_in_separate_processes_and_rebuilt_when_the_first_changes(
    tmp_path, cache_dir, write_source
):
    _write(write_source)
    src = tmp_path / "src"
    # Process 1 builds only the first module, process 2 only the second.
    assert _run(
        src, "import geom\nprint(json.dumps({'built': geom.__spec__.loader_state['built']}))"
    ) == {"built": True}
    first = _run(
        src,
        """
        import use
        print(json.dumps({'built': use.__spec__.loader_state['built'], 'so': use.__file__}))
        """,
    )
    assert first["built"] is True
    # Process 3 imports the second module alone: it imports the first itself.
    report = _run(
        src,
        """
        import use
        v = use.twice(use.maybe(True))
        import geom
        print(json.dumps({'same': type(v) is geom.Vec, 'x': v.x, 'geom': 'geom' in sys.modules,
                          'built': use.__spec__.loader_state['built']}))
        """,
    )
    assert report == {"same": True, "x": 10.0, "geom": True, "built": False}
    # The first module's class changes layout: the second module rebuilds (the
    # included source is in its depfile) and both agree again.
    write_source("geom.cxxpyx", GEOM.replace("double x = 0, y = 0;", "double x = 0, y = 0, z = 0;"))
    again = _run(
        src,
        """
        import use, geom
        v = use.twice(geom.Vec(1, 1))
        print(json.dumps({'built': use.__spec__.loader_state['built'], 'so': use.__file__,
                          'x': v.x, 'z': hasattr(geom.Vec(), 'z')}))
        """,
    )
    assert again == {"built": True, "so": again["so"], "x": 2.0, "z": True}
    assert again["so"] != first["so"]


def test_layout_disagreement_is_an_import_error(isolated_import, write_source):
    geom = GEOM.replace(
        "double x = 0, y = 0;",
        "double x = 0, y = 0;\n#ifdef WIDE\n private:\n  double pad_[2] = {};\n\n public:\n#endif",
    )
    _write(write_source, geom=geom, use="// cxximport: cxxflags = -DWIDE\n" + USE)
    with pytest.raises(ImportError, match=r"disagree on its layout \(size \d+ there, \d+ here\)"):
        isolated_import.import_module("use")


def test_importing_a_class_the_module_exports_is_a_build_error(isolated_import, write_source):
    write_source(
        "selfish.cxxpyx", "PYX_EXPORT struct Own {\n  int n = 0;\n};\nPYX_IMPORT(other, Own);\n"
    )
    with pytest.raises(
        ImportError, match=r"selfish\.cxxpyx:4.*PYX_IMPORT of 'Own', which this module exports"
    ):
        isolated_import.import_module("selfish")
