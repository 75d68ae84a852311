"""The package's import graph: no circle, and engines that share only the scoring spec (the
SQL engines also the shared SQL steps, :mod:`ssi_analysis.engines.sqlrun`).

Read from the source with :mod:`ast` (every import, also those inside functions), so an import
made lazily to avoid a circle at run time still counts.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ssi_analysis

PACKAGE = Path(ssi_analysis.__file__).parent
ENGINES = ("ssi_analysis.scoring.frame", "ssi_analysis.engines.duckdb")
"""The code that computes scores: the pandas engine and the DuckDB engine."""
SQL_SHARED = "ssi_analysis.engines.sqlrun"
"""What the SQL engines share (the dialect aside): files, checks, rejects, counts, scoring."""


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = list(f.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (f, is_pkg)
    return out


def _imports() -> dict[str, set[tuple[str, str]]]:
    """Each module's imports inside the package: (module, name) pairs (name "" for a module)."""
    mods = _modules()
    out: dict[str, set[tuple[str, str]]] = {}
    for m, (f, is_pkg) in mods.items():
        base = m.split(".") if is_pkg else m.split(".")[:-1]
        found = set()
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(a.name, "") for a in node.names if a.name in mods}
            elif isinstance(node, ast.ImportFrom):
                mod = ".".join([*base[:len(base) - node.level + 1], *filter(None, [node.module])]
                               ) if node.level else node.module or ""
                for a in node.names:      # "from pkg import module" imports the module
                    found.add((f"{mod}.{a.name}", "") if f"{mod}.{a.name}" in mods
                              else (mod, a.name))
        out[m] = {(t, n) for t, n in found if t in mods and t != m}
    return out


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while not comp or comp[-1] != v:
                comp.append(stack.pop())
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_in_a_circle():
    edges = {m: {t for t, _ in imps} for m, imps in _imports().items()}
    assert _cycles(edges) == []
    # the check sees a circle when there is one
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_engines_read_the_spec_not_each_other():
    imports = _imports()
    for engine in (*ENGINES, SQL_SHARED):
        others = [t for t, _ in imports[engine] if t in ENGINES]
        private = [(t, n) for t, n in imports[engine]
                   if t.startswith("ssi_analysis.scoring") and n.startswith("_")]
        assert others == [] and private == [], engine
    # the pandas engine and the SQL engines' shared steps compute the spec; each SQL engine
    # reaches it through those steps, and adds only what its engine alone does
    assert "ssi_analysis.scoring.spec" in {t for t, _ in imports["ssi_analysis.scoring.frame"]}
    assert "ssi_analysis.scoring.spec" in {t for t, _ in imports[SQL_SHARED]}
    for engine in ENGINES[1:]:
        assert SQL_SHARED in {t for t, _ in imports[engine]}, engine
        assert not {t for t, _ in imports[engine]} & {"ssi_analysis.scoring.spec",
                                                       "ssi_analysis.scoring.sql"}, engine


PANDERA_SPARK_ENV = ("SPARK_LOCAL_IP", "PYARROW_IGNORE_TIMEZONE")
"""What importing pandera sets for pandas-on-Spark (pandera's issues 1473 and 2344)."""
SPARK_MODULES = """
import json, os, sys
from ssi_analysis.cli import main
spark = lambda: sorted(m for m in sys.modules if m.split(".")[0] in ("pyspark", "py4j"))
imported = spark()
if sys.argv[1] == "spark":     # the spark engine imports pyspark; pandera's checks then would
    import pyspark.sql         # import pyspark.pandas on a first validation
code = main(["validate", "--data", "example"])
print(json.dumps({"code": code, "on_import": imported, "pandas_on_spark": "pyspark.pandas" in
                  sys.modules, "variables": {k: os.environ.get(k) for k in %r},
                  "after_a_command": [m for m in spark() if sys.argv[1] != "spark"]}))
"""


@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None,
                    reason="pyspark (the spark extra) is not installed: nothing could import it")
@pytest.mark.parametrize("before", ["nothing", "spark"])
def test_commands_import_no_spark(before):
    """Importing the command line and a command that validates with pandera import neither
    pyspark nor py4j and set none of pandera's Spark variables; with pyspark imported (the
    spark engine), validating does not import pyspark.pandas. (pandera would import it, on
    import and on a first validation: ssi_analysis.schemas.pandas_on_spark_declined.)"""
    env = {k: v for k, v in os.environ.items() if k not in PANDERA_SPARK_ENV}
    done = subprocess.run([sys.executable, "-c", SPARK_MODULES % (PANDERA_SPARK_ENV,), before],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    assert got == {"code": 0, "on_import": [], "pandas_on_spark": False, "after_a_command": [],
                   "variables": dict.fromkeys(PANDERA_SPARK_ENV)}
    assert "PySpark" not in done.stderr      # pyspark.pandas' warning about pandas 3


IRI_GRAMMAR = """
import importlib.util, json, sys
from ssi_analysis.cli import main
code = main(["report", "--data", sys.argv[1], "--out", sys.argv[2]])  # stops: no such folder
import jsonschema, nbformat, papermill  # what the report imports to run its notebook
nbformat.validate(nbformat.v4.new_notebook())
print(json.dumps({"code": code, "grammar": "rfc3987_syntax" in sys.modules,
                  "validates": not jsonschema.Draft7Validator({"type": "integer"}).is_valid("x"),
                  "iri_checks": sorted(k for k in jsonschema.FormatChecker.checkers if "iri" in k),
                  "importable": importlib.util.find_spec("rfc3987_syntax") is not None}))
"""


@pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None,
                    reason="rfc3987-syntax (jsonschema's IRI formats) is not installed")
def test_the_report_command_imports_jsonschema_without_the_iri_grammar(tmp_path):
    """``report`` imports jsonschema without building rfc3987-syntax's grammar (a second of
    CPU per report): jsonschema still validates (notebooks too), without its two IRI format
    checks in that process, and the module still imports for anyone who asks for it."""
    done = subprocess.run([sys.executable, "-c", IRI_GRAMMAR, str(tmp_path / "none"),
                           str(tmp_path / "r.pdf")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "code": 2, "grammar": False, "validates": True, "iri_checks": [], "importable": True}
