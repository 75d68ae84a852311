"""Fuzzing the command line: no command ends in a traceback on any input (issue 17).

Hypothesis builds hostile data folders — every table as CSV text with its lines mutated
(repeated header lines, huge and empty cells, extra cells, stray byte-order marks, bytes of
another encoding, another delimiter, a file cut mid-line), random bytes, an empty file, one
long line, an Excel workbook with merged cells, Parquet of text cells, a table in two formats
— and runs commands on it through ``ssi_analysis.cli.main`` in this process: ``validate``,
``score`` on both engines, ``outcomes``, ``analyze``, ``report`` (its last step, the
notebook and the PDF, replaced by a stub: the rest runs as it is) and ``simulate`` told to
write into the folder. Each must end with exit code 0, 1 or 2, print no traceback and leave
the folder as it was (no input changed, nothing written beside the inputs); anything else is
a bug (the CLI shows a bug as a traceback).

Bounded for the suite (derandomised, 24 folders, about ten seconds of CPU);
``HYPOTHESIS_PROFILE=long`` (tests/conftest.py) fuzzes with a thousand::

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_fuzz_cli.py
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi_analysis.cli import main

pytest.importorskip("duckdb")

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
FUZZ = settings(max_examples=1000 if LONG else 24, deadline=None, derandomize=not LONG,
                suppress_health_check=list(HealthCheck), database=None)

TABLES = {
    "reps": "rep_id,team,industry,tenure_months\nR1,T1,Software,12\nR2,T1,Software,30\n"
            "R3,T2,Retail,7\nR4,T2,Retail,18\n",
    "activity": "rep_id,date,metric,value\n" + "".join(
        f"{r},2026-0{m}-1{d},{metric},{v}\n" for r in ("R1", "R2", "R3", "R4")
        for m, d in ((3, 1), (4, 2), (5, 3))
        for metric, v in (("posts", 2), ("people_searches", 3), ("comments", 1),
                          ("colleague_connections", 1), ("profile_completeness", 0.8))),
    "outcomes": "rep_id,period_start,period_end,quota,bookings,opportunities\n" + "".join(
        f"{r},2026-0{m}-01,2026-0{m}-28,1000,{b},{o}\n"
        for r, b, o in (("R1", 900, 3), ("R2", 1200, 5), ("R3", 400, 2), ("R4", 700, 4))
        for m in (4, 5, 6)),
    "opportunities": "owner,opportunity_id,created_date,close_date,stage,amount\n"
                     "R1,O1,2026-04-02,2026-04-20,Closed Won,1000\n"
                     "R2,O2,2026-04-03,2026-04-21,Closed Lost,50\n",
    "quotas": "rep_id,period_start,period_end,quota\nR1,2026-04-01,2026-04-30,2000\n"
              "R2,2026-04-01,2026-04-30,2000\n",
    "ssi_observed": "rep_id,date,ssi,brand,people,insights,relationships\n"
                    "R1,2026-05-01,50,12,13,12,13\nR2,2026-05-01,40,10,10,10,10\n",
}
COMMANDS = ("validate", "score", "duckdb", "outcomes", "analyze", "report", "simulate")


@st.composite
def mutated_lines(draw, text: str) -> list[str]:
    """The lines of a table with a few of the ways exports and people break them."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(0, 4))):
        k = draw(st.integers(0, len(lines)))
        how = draw(st.sampled_from(["header", "huge", "empty", "extra", "junk", "bom",
                                    "drop", "quote"]))
        row = lines[min(k, len(lines) - 1)] if lines else ""
        cells = row.split(",")
        if how == "header" and lines:
            lines.insert(k, lines[0] if draw(st.booleans()) else lines[0].upper())
        elif how == "huge" and cells:
            cells[draw(st.integers(0, len(cells) - 1))] = "x" * draw(st.integers(1, 150_000))
            lines[min(k, len(lines) - 1)] = ",".join(cells)
        elif how == "empty" and cells and lines:
            cells[draw(st.integers(0, len(cells) - 1))] = draw(st.sampled_from(["", " ", "N/A"]))
            lines[min(k, len(lines) - 1)] = ",".join(cells)
        elif how == "extra" and lines:
            lines[min(k, len(lines) - 1)] = row + "," * draw(st.integers(1, 50))
        elif how == "junk":
            lines.insert(k, draw(st.text(max_size=80)))
        elif how == "bom" and lines:
            lines[min(k, len(lines) - 1)] = "\ufeff" + row
        elif how == "drop" and lines:
            del lines[min(k, len(lines) - 1)]
        elif how == "quote" and lines:
            lines[min(k, len(lines) - 1)] = '"' + row
    return lines


@st.composite
def table_file(draw, name: str) -> tuple[str, bytes | pd.DataFrame | None]:
    """A file for table ``name``: its suffix and content (bytes, a frame for Parquet or Excel,
    ``None`` for a folder of Parquet parts)."""
    kind = draw(st.sampled_from(["csv"] * 6 + ["bytes", "empty", "line", "xlsx", "parquet",
                                                "other"]))
    lines = draw(mutated_lines(TABLES[name]))
    if kind == "bytes":
        return ".csv", draw(st.binary(max_size=300))
    if kind == "empty":
        return draw(st.sampled_from([".csv", ".parquet", ".xlsx"])), b""
    if kind == "line":
        cells = ",".join(lines).replace("\n", ",")
        return ".csv", (cells * draw(st.integers(1, 40))).encode()
    if kind in ("xlsx", "parquet"):
        rows = [line.split(",") for line in lines] or [["rep_id"]]
        width = len(rows[0])
        body = [(r + [None] * width)[:width] for r in rows[1:]]
        frame = pd.DataFrame(body, columns=[str(c) or f"c{i}" for i, c in enumerate(rows[0])])
        return f".{kind}", frame
    if kind == "other" and name == "activity":
        return "/", None
    sep = draw(st.sampled_from([",", ",", ";", "\t"]))
    text = "\n".join(line.replace(",", sep) for line in lines)
    if draw(st.booleans()):
        text += "\n"
    if draw(st.integers(0, 5)) == 0 and text:
        text = text[:draw(st.integers(0, len(text)))]              # cut mid-line
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16",
                                     "mixed"]))
    if encoding == "mixed":
        data = text.encode("utf-8", "replace") + "\nR9,Zoë".encode("latin-1")
    else:
        data = text.encode(encoding, "replace")
    return ".csv", data


def _write(folder: Path, name: str, suffix: str, content, merges: list[str]) -> None:
    if suffix == "/":
        (folder / name).mkdir(exist_ok=True)
        pd.DataFrame({"rep_id": ["R1"], "date": ["2026-03-11"], "metric": ["posts"],
                      "value": ["1"]}).to_parquet(folder / name / "part-0.parquet")
        return
    path = folder / f"{name}{suffix}"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif suffix == ".parquet":
        content.astype(object).astype(str).to_parquet(path)
    else:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # what a sheet cannot hold

        content = content.map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v)
                              if isinstance(v, str) else v)
        content.columns = [ILLEGAL_CHARACTERS_RE.sub("", c) for c in content.columns]
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            content.to_excel(xl, index=False, sheet_name=name)
            ws = xl.book[name]
            for ref in merges:
                ws.merge_cells(ref)


@st.composite
def hostile_folder(draw) -> dict:
    files = {}
    for name in TABLES:
        if name in ("reps", "activity") and draw(st.integers(0, 9)) or draw(st.booleans()):
            files[name] = draw(table_file(name))
    if draw(st.integers(0, 9)) == 0 and "activity" in files:      # a table in two formats
        files["activity_twin"] = (".parquet" if files["activity"][0] != ".parquet" else ".csv",
                                  TABLES["activity"].encode())
    merges = draw(st.lists(st.sampled_from(["B2:B3", "B3:B5", "A2:C2", "A1:B1", "C2:C9"]),
                           max_size=2, unique=True))
    commands = draw(st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=2, unique=True))
    return {"files": files, "merges": merges, "commands": commands}


def _args(command: str, data: Path, out: Path) -> list[str]:
    return {
        "validate": ["validate", "--data", str(data)],
        "score": ["score", "--data", str(data), "--out", str(out / "s.csv")],
        "duckdb": ["score", "--data", str(data), "--out", str(out / "s.parquet"), "--engine",
                   "duckdb"],
        "outcomes": ["outcomes", "--data", str(data), "--out", str(out / "o.csv")],
        "analyze": ["analyze", "--data", str(data), "--out", str(out / "analysis")],
        "report": ["report", "--data", str(data), "--out", str(out / "report" / "r.pdf")],
        "simulate": ["simulate", "--out", str(data), "--reps", "12", "--days", "100"],
    }[command]


def _contents(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder`` (``None`` for a folder), by relative path."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
            for p in folder.rglob("*")}


def _stub_render(work, context, pdf) -> None:
    Path(pdf).write_bytes(b"%PDF-1.4 stub\n")


@FUZZ
@given(case=hostile_folder())
def test_no_command_ends_in_a_traceback(case):
    root = Path(tempfile.mkdtemp(prefix="ssi-fuzz-cli-"))
    try:
        data = root / "data"
        data.mkdir()
        for name, (suffix, content) in case["files"].items():
            _write(data, name.replace("_twin", ""), suffix, content, case["merges"])
        before = _contents(data)
        for command in case["commands"]:
            out = root / f"out-{command}"
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
                    mock.patch("ssi_analysis.report.render", _stub_render):
                try:
                    code = main(_args(command, data, out))
                except SystemExit as exc:             # argparse
                    code = exc.code
            text = stdout.getvalue() + stderr.getvalue()
            assert code in (0, 1, 2), (command, code, text[-2000:])
            assert "Traceback" not in text, (command, text[-2000:])
            if code == 2:
                assert "error: " in stderr.getvalue(), (command, text[-2000:])
            after = _contents(data)
            if before:                      # no input changed, nothing added beside them
                assert after == before, (command, sorted(set(after) ^ set(before)))
            else:                           # simulate may fill an empty folder
                before = after
    finally:
        shutil.rmtree(root, ignore_errors=True)
