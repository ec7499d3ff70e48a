"""One table of options (src/core/option_table.cpp), read by both sides: the
Python package's checks, the environment, pyproject.toml, the core's request
parsing and directive scanner, the remote cache's defaults and the docs must
all agree with it. Also the one cache-root rule (Store::default_root) as the
import, the CLI and the magic see it (issue 16, point 1)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import needs_core
from cxximport import _option_table, _options

pytestmark = needs_core
ROOT = Path(__file__).resolve().parent.parent


def _value_for(row: dict) -> object:
    """A valid value of the row's kind (its default when it has one)."""
    if row["default"]:
        return {"bool": row["default"] == "true"}.get(row["kind"], row["default"])
    return {
        "bool": True,
        "int": 2,
        "float": 1.5,
        "str": row["choices"][0] if row["choices"] else "x86-64-v2",
        "path": "/tmp/x",
        "flags": ["-DX=1"],
        "paths": ["/tmp/inc"],
        "words": ["m"],
        "callable": print,
        "size": "5G",
    }[row["kind"]]


def test_the_python_schema_is_the_cores_table():
    from cxximport import _core

    table = {row["name"]: row for row in _core.option_table()}
    assert _options.SCHEMA == {n: r["kind"] for n, r in table.items() if r["argument"]}
    assert _options.PYPROJECT_KEYS == {n for n, r in table.items() if r["pyproject"]}
    assert _options.ENVIRONMENT == {r["env"]: n for n, r in table.items() if r["env"]}
    assert _options.LIST_OPTIONS == {
        n for n, r in table.items() if r["argument"] and r["kind"] in ("flags", "paths", "words")
    }


def test_python_accepts_every_default_and_choice_of_the_table():
    for name, row in _option_table.rows().items():
        if not row["argument"]:
            continue
        values = [_value_for(row)] + list(row["choices"])
        for value in values:
            if name == "remote_cache":
                value = "redis://localhost:6379/0"
            assert name in _options.check({name: value}, "test"), (name, value)
        if row["choices"]:
            with pytest.raises(_options.OptionError):
                _options.check({name: "not-a-choice"}, "test")


def test_every_environment_variable_of_the_table_is_read():
    for var, name in _option_table.environment().items():
        row = _option_table.rows()[name]
        value = _value_for(row)
        text = "1" if row["kind"] == "bool" else value if isinstance(value, str) else str(value)
        if name == "remote_cache":
            text = "redis://localhost:6379/0"
        got = _options.environment_options({var: text})
        assert set(got) == {name}, (var, got)


def test_the_scanners_directive_keys_are_the_tables(tmp_path):
    from cxximport import _core

    source = tmp_path / "d.cxxpyx"
    source.write_text("// cxximport: nonsense\nPYX_EXPORT int f() { return 1; }\n")
    with pytest.raises(_core.ScanError) as err:
        _core.scan(str(source))
    known = re.search(r"known keys: (.*)$", str(err.value)).group(1).split(", ")
    rows = _option_table.rows()
    assert set(known) == {n for n, r in rows.items() if r["directive"]}
    values = {"std": "c++20", "optimize": "2", "arch": "x86-64-v2"}
    for name in known:
        value = "true" if rows[name]["kind"] == "bool" else values.get(name, "x")
        source.write_text(f"// cxximport: {name} = {value}\nPYX_EXPORT int f() {{ return 1; }}\n")
        _core.scan(str(source))  # accepted


def test_the_core_refuses_an_option_missing_from_the_table(tmp_path, cache_dir):
    from cxximport import _core

    source = tmp_path / "m.cxxpyx"
    source.write_text("PYX_EXPORT int f() { return 1; }\n")
    options = _options.resolve(str(source))
    options["no_build"] = True
    options["bogus_option"] = 1
    with pytest.raises(TypeError, match="bogus_option"):
        _core.build(str(source), "m", options)


def test_remote_cache_defaults_are_the_tables():
    from cxximport._remote import config

    settings = config.settings_from({"remote_cache": "redis://localhost/0"})
    assert settings.mode == _option_table.default("remote_cache_mode")
    assert settings.timeout == float(_option_table.default("remote_timeout"))
    assert settings.wait == float(_option_table.default("remote_wait"))
    assert settings.lease_ttl == float(_option_table.default("remote_lease_ttl"))


def test_docs_show_the_tables_of_the_core():
    """docs/configuration.md holds the generated tables verbatim (regenerate:
    python -c 'from cxximport import _option_table as t; print(t.docs_markdown())')."""
    docs = (ROOT / "docs" / "configuration.md").read_text()
    options, environment = _option_table.docs_markdown().split("\n\n")
    assert options + "\n\n" in docs
    assert environment in docs


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"XDG_CACHE_HOME": "relative/xdg"}, "{home}/.cache/cxximport"),
        ({"XDG_CACHE_HOME": "{tmp}/xdg"}, "{tmp}/xdg/cxximport"),
        ({"CXXIMPORT_CACHE_DIR": "~/mycache"}, "{home}/mycache"),
        ({"CXXIMPORT_CACHE_DIR": "rel/cache"}, "{cwd}/rel/cache"),
    ],
)
def test_import_cli_and_magic_use_one_cache_root(tmp_path, env, expected):
    """Before: with a relative XDG_CACHE_HOME, Python chose ~/.cache/cxximport
    and the core a relative path; the core did not expand ~."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    (cwd / "m.cxxpyx").write_text("PYX_EXPORT int f() { return 1; }\n")
    fill = {"home": str(home), "tmp": str(tmp_path), "cwd": str(cwd)}
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("CXXIMPORT_", "XDG_"))}
    full_env.update({k: v.format(**fill) for k, v in env.items()}, HOME=str(home))
    script = textwrap.dedent(
        """
        import cxximport, os
        from cxximport import _options, magic
        so = cxximport.build("m.cxxpyx")
        print(so)
        print(_options.default_cache_dir())
        print(os.path.dirname(magic.magic_dir()))
        """
    )
    p = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=full_env, capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    so, default, magic_root = p.stdout.splitlines()[:3]
    root = expected.format(**fill)
    assert default == root
    assert magic_root == root
    assert so.startswith(root + "/")
    info = subprocess.run(
        [sys.executable, "-m", "cxximport", "cache", "info"],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
    )
    assert info.returncode == 0, info.stderr
    assert re.search(r"^location\s+" + re.escape(root) + "$", info.stdout, re.M), info.stdout
