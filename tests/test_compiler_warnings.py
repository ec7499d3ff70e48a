"""Compiler warnings on a user's module: -Wall -Wextra by default, a one-line
count after a build, `cxximport show MODULE --warnings` and the
show_warnings option print them, the count is the same on a cache hit, and
our own runtime headers and generated code never add to it (issue 16,
point 10)."""

from __future__ import annotations

from conftest import needs_core

pytestmark = needs_core

WARNS = """\
PYX_EXPORT int f(int unused) {
    int x;
    x = 1;
    unsigned u = 3;
    int s = -1;
    return u < s;
}
"""

IMPORT = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="WARNING %(message)s")
sys.path.insert(0, {src!r})
import cxximport
cxximport.install({args})
import {name}
print({name}.f(1) if hasattr({name}, "f") else "ok")
"""


def _lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "warning" in line]


def test_build_prints_one_line_with_the_warning_count(python, cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "noisy.cxxpyx").write_text(WARNS)
    proc = python(IMPORT.format(src=str(src), args="", name="noisy"))
    assert proc.returncode == 0, proc.stderr
    assert _lines(proc.stderr) == [
        "WARNING cxximport: noisy: 3 warnings, see `cxximport show noisy --warnings`"
    ], proc.stderr
    # A cache hit builds nothing and says nothing.
    again = python(IMPORT.format(src=str(src), args="", name="noisy"))
    assert again.returncode == 0 and _lines(again.stderr) == [], again.stderr


def test_show_warnings_lists_them_and_the_count_is_stable_on_hits(python, cli, cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "noisy.cxxpyx").write_text(WARNS)
    assert python(IMPORT.format(src=str(src), args="", name="noisy")).returncode == 0
    for _ in range(2):  # read back from the entry, whatever process asks
        shown = cli("show", "noisy", "--warnings", cwd=src)
        assert shown.returncode == 0, shown.stderr
        assert "warnings: 3" in shown.stdout
        assert "noisy.cxxpyx:1:" in shown.stdout and "[-Wunused-parameter]" in shown.stdout
        assert "[-Wsign-compare]" in shown.stdout and "[-Wunused-but-set-variable]" in shown.stdout
        assert "[1/2]" not in shown.stdout  # ninja's status lines are not warnings


def test_show_warnings_option_prints_them_instead_of_the_count(python, cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "noisy.cxxpyx").write_text(WARNS)
    proc = python(
        IMPORT.format(src=str(src), args="", name="noisy"),
        env={"CXXIMPORT_SHOW_WARNINGS": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "cxximport: noisy: 3 warnings:" in proc.stderr
    assert "noisy.cxxpyx:1:" in proc.stderr and "[-Wunused-parameter]" in proc.stderr
    assert "see `cxximport show" not in proc.stderr


def test_a_users_wno_flag_silences_them(python, cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "quiet.cxxpyx").write_text("// cxximport: cxxflags = -w\n" + WARNS)
    proc = python(IMPORT.format(src=str(src), args="", name="quiet"))
    assert proc.returncode == 0 and _lines(proc.stderr) == [], proc.stderr


# Exercises the runtime widely: views, arrays, fused dispatch, optional,
# strings, tuples, exceptions, OpenMP, a class, a ufunc.
CLEAN = """\
// cxximport: openmp
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>

template <pyx::fused<int, double, long long> T>
PYX_EXPORT pyx::array<T, 2> compute(pyx::cview<const T, 2> a, pyx::view<const T, 2> b, T c) {
    if (a.shape() != b.shape()) throw std::invalid_argument("shapes differ");
    auto r = pyx::empty<T>(a.shape());
    #pragma omp parallel for
    for (Py_ssize_t x = 0; x < a.shape(0); ++x)
        for (Py_ssize_t y = 0; y < a.shape(1); ++y) r(x, y) = a(x, y) + b(x, y) * c;
    return r;
}

PYX_EXPORT std::tuple<std::string, double> named(std::string_view s, std::optional<double> v = {},
                                                 bool flag = false, int n = 3) {
    return {std::string(s) + (flag ? "!" : ""), v.value_or(1.0) * n};
}

PYX_EXPORT pyx::object same(pyx::object o) { return o; }

PYX_UFUNC double twice(double x) { return 2 * x; }

PYX_EXPORT class Counter {
public:
    Counter(int start = 0) : n_(start) {}
    int next() { return ++n_; }
private:
    int n_;
};
"""


def test_runtime_and_generated_code_add_no_warnings(python, cli, cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "clean.cxxpyx").write_text(CLEAN)
    proc = python(IMPORT.format(src=str(src), args="", name="clean"))
    assert proc.returncode == 0, proc.stderr
    shown = cli("show", "clean", "--warnings", cwd=src)
    assert "warnings: 0" in shown.stdout, shown.stdout
    assert _lines(proc.stderr) == [], proc.stderr


def test_cli_build_counts_warnings_per_built_module(cli, cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "noisy.cxxpyx").write_text(WARNS)
    (src / "calm.cxxpyx").write_text("PYX_EXPORT int g(int x) { return x; }\n")
    p = cli("build", str(src))
    assert p.returncode == 0, p.stderr
    lines = {line.split()[2]: line for line in p.stdout.splitlines() if line.startswith("[")}
    assert lines["noisy"].endswith("; 3 warnings, see `cxximport show noisy --warnings`")
    assert "warnings, see" not in lines["calm"]
