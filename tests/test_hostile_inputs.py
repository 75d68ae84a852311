"""Hostile inputs (issue 17), class by class: each class is fixed in its mechanism, and tested
here over generated instances (hypothesis where it fits, tables of cases elsewhere), not one
example each. The rules are those of data/README.md ("What happens to bad data").

- class 5, files that are not tables: refused before they are parsed, after reading a bounded
  prefix; every check linear (counted in operations, not timed: ``benchmarks/bench_validate.py``
  times them);
- class 6, rows that are not data: a repeated header line, merged Excel cells, a level given
  twice a day;
- class 7, dates at the edges: ``--asof`` far in the past or future, and the warning of an
  empty window when a level still scores;
- class 8, the two engines agree on everything but speed: what they find, say and count when
  a run stops;
- class 9, messages a person can act on: ids that differ in what cannot be seen, a config that
  names no metric of the data, the counts printed when a run stops;
- and what other helpers found: ``simulate --format xlsx``, the report on short data.

The fuzzing of every command with hostile folders is ``tests/test_fuzz_cli.py``.
"""

from __future__ import annotations

import builtins
import io
import re
import unicodedata
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import write_folder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi_analysis import load_data, score
from ssi_analysis.cli import main
from ssi_analysis.config import load_config
from ssi_analysis.errors import SSIConfigError, SSIInputError
from ssi_analysis.io.cells.ids import id_difference, shown_id
from ssi_analysis.io.quality import HEADER_ROW
from ssi_analysis.io.read import csv as csv_module
from ssi_analysis.io.read import read_raw
from ssi_analysis.io.read.csv import MAX_COLUMNS, MAX_LINE_BYTES, _long_line
from ssi_analysis.io.read.headers import check_distinct_columns, header_rows

duckdb = pytest.importorskip("duckdb")
from ssi_analysis.engines.duckdb import score_parquet  # noqa: E402

FEW = settings(max_examples=15, deadline=None, derandomize=True, database=None,
               suppress_health_check=list(HealthCheck))

REPS = "rep_id,team,industry\nR1,T1,Software\nR2,T1,Software\nR3,T2,Retail\n"
ROWS = [("R1", "2026-01-05", "posts", "2"), ("R1", "2026-01-05", "people_searches", "3"),
        ("R2", "2026-01-06", "comments", "1"), ("R2", "2026-01-06", "colleague_connections", "1")]
"""One metric of each pillar (R3 has no activity)."""
ACT = "rep_id,date,metric,value\n" + "".join(",".join(r) + "\n" for r in ROWS)


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def as_parquet(folder: Path) -> Path:
    """The activity CSV of ``folder`` as text cells in ``activity.parquet`` (for both engines)."""
    cells = pd.read_csv(folder / "activity.csv", dtype=str, keep_default_na=False)
    (folder / "activity.csv").unlink()
    cells.to_parquet(folder / "activity.parquet")
    return folder


# ====================================================================== class 5: not a table
@FEW
@given(lengths=st.lists(st.integers(0, 40), min_size=1, max_size=30),
       limit=st.integers(0, 30), block=st.integers(1, 16))
def test_the_first_long_line_is_found_block_by_block(lengths, limit, block):
    data = b"\n".join(b"x" * n for n in lengths)
    over = [(i + 1, n) for i, n in enumerate(lengths) if n > limit]
    assert _long_line(data, limit, block=block) == (over[0] if over else None)


class _Counted:
    """A file whose reads are counted (bytes handed to the reader)."""

    def __init__(self, fh, counter):
        self.fh, self.counter = fh, counter

    def read(self, n=-1):
        data = self.fh.read(n)
        self.counter["bytes"] += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()


@pytest.mark.parametrize("megabytes", [1.01, 3, 12])
def test_a_line_without_end_is_refused_after_reading_a_bounded_prefix(megabytes, tmp_path,
                                                                        monkeypatch):
    """A 'CSV' of one line of cells (line ends lost, or not text) is refused having read at
    most the longest line a table may have, however large the file: the time does not grow
    with the file (200 MB took 10 minutes and 5.5 GB before)."""
    path = tmp_path / "activity.csv"
    cell = b"R1,2026-01-05,posts,1,"
    path.write_bytes(cell * int(megabytes * 2**20 / len(cell)))
    counter = Counter()
    monkeypatch.setattr(csv_module, "open",
                        lambda *a, **k: _Counted(builtins.open(*a, **k), counter), raising=False)
    with pytest.raises(SSIInputError, match="this is not a table") as exc:
        read_raw(path, "activity")
    assert "without a line end" in str(exc.value) and exc.value.fix
    assert 0 < counter["bytes"] <= MAX_LINE_BYTES + 1     # counted where the check reads


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(at=st.integers(0, 20), extra=st.integers(1, 2**18))
def test_a_long_line_anywhere_is_refused_and_named(at, extra, tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    rows = ["R1,2026-01-05,posts,1"] * 20
    rows.insert(at, "R1,2026-01-05,posts," + "9" * (MAX_LINE_BYTES + extra))
    (folder / "activity.csv").write_text("rep_id,date,metric,value\n" + "\n".join(rows) + "\n")
    with pytest.raises(SSIInputError, match="this is not a table") as exc:
        read_raw(folder / "activity.csv", "activity")
    assert f"line {at + 2} is " in str(exc.value)


class _Name(str):
    """A column name whose comparisons are counted."""

    calls = 0

    def __eq__(self, other):
        _Name.calls += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


@pytest.mark.parametrize("n", [1_000, 8_000, 64_000])
def test_repeated_column_names_are_found_in_linear_work(n):
    """A 100 KB header took 171 s: each name was counted against every other (n^2
    comparisons). Now the work is a pass over the names: comparisons stay below n."""
    rng = np.random.default_rng(n)
    names = [_Name(f"c{i}") for i in rng.integers(0, int(n * 0.9), n)]
    _Name.calls = 0
    with pytest.raises(SSIInputError, match="column names repeat"):
        check_distinct_columns(names, "activity.csv")
    assert _Name.calls <= n


@FEW
@given(st.lists(st.sampled_from(["rep_id", "team", "date", "a", "b", "c"]), max_size=12))
def test_repeated_column_names_are_said_exactly(names):
    dupes = sorted({c for c in names if names.count(c) > 1})        # the definition
    if not dupes:
        check_distinct_columns(names, "f.csv")
        return
    with pytest.raises(SSIInputError) as exc:
        check_distinct_columns(names, "f.csv")
    assert exc.value.problem == f"column names repeat: {', '.join(dupes)}"


def test_a_header_wider_than_a_spreadsheet_is_not_a_table(tmp_path):
    path = tmp_path / "reps.csv"
    path.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n" +
                    ",".join("1" for _ in range(MAX_COLUMNS + 1)) + "\n")
    with pytest.raises(SSIInputError, match="more than the 16,384 columns"):
        read_raw(path, "reps")
    path.write_text("rep_id," + ",".join(f"c{i}" for i in range(2000)) + "\nR1" +
                    "," * 2000 + "\n")
    assert read_raw(path, "reps").frame.shape == (1, 2001)      # wide, but a table


@FEW
@given(n=st.integers(1, 8), at=st.integers(0, 7), extra=st.integers(1, 400))
def test_a_row_with_more_cells_than_the_header_stops_naming_its_line(n, at, extra,
                                                                     tmp_path_factory):
    """pandas read such a first row with its first cells as an index: every value shifted one
    column to the right, silently. Any row with extra cells now stops the run, named."""
    folder = tmp_path_factory.mktemp("cells")
    rows = [",".join(r) for r in ROWS * 2][:n]
    at = min(at, n - 1)
    rows[at] += "," * extra
    (folder / "activity.csv").write_text("rep_id,date,metric,value\n" + "\n".join(rows) + "\n")
    with pytest.raises(SSIInputError) as exc:
        read_raw(folder / "activity.csv", "activity")
    assert exc.value.problem == (f"line {at + 2} has {4 + extra} cells but the header names 4 "
                                 "columns"), exc.value
    assert exc.value.file == "activity.csv" and "quote" in exc.value.fix


@FEW
@given(n=st.integers(1, 8), at=st.integers(0, 7), blank=st.integers(0, 3))
def test_a_quote_never_closed_stops_naming_its_row(n, at, blank, tmp_path_factory):
    """A stray quote makes the rest of the file one cell: the error said 'ParserError: Error
    tokenizing data. C error: EOF inside string'. It names the row (as the file counts lines,
    blank ones too) and the fix."""
    folder = tmp_path_factory.mktemp("quote")
    rows = [",".join(r) for r in ROWS * 2][:n]
    at = min(at, n - 1)
    rows[at] = '"' + rows[at]
    lines = ["rep_id,date,metric,value", *[""] * blank, *rows]
    (folder / "activity.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(SSIInputError) as exc:
        read_raw(folder / "activity.csv", "activity")
    assert exc.value.problem == (f'a quote (") opened in row {at + 2 + blank} is never closed: '
                                 "the rest of the file would be one cell"), exc.value
    assert exc.value.file == "activity.csv" and "stray quote" in exc.value.fix


# ====================================================================== class 6: not data
HEADER_WAYS = st.sampled_from([
    lambda c: c, str.upper, lambda c: c.replace("_", " ").title(), lambda c: f" {c} ",
    lambda c: "\ufeff" + c])


@FEW
@given(at=st.lists(st.integers(0, 4), min_size=1, max_size=3), way=HEADER_WAYS,
       blank=st.booleans())
def test_a_repeated_header_line_is_rejected_as_such(at, way, blank, tmp_path_factory):
    """Two exports appended, or a header on every page: the line is not data (it was a rep
    named 'rep_id', or a row rejected for four wrong cells); it is rejected with that one
    reason, in both engines, and the rest is read as without it."""
    folder = tmp_path_factory.mktemp("header")
    act_rows = [",".join(r) for r in ROWS]
    reps_rows = REPS.splitlines()[1:]
    for k in sorted(at, reverse=True):
        act_rows.insert(min(k, len(act_rows)), ",".join(way(c) for c in
                                                        ("rep_id", "date", "metric", "value")))
        cells = [way(c) for c in ("rep_id", "team", "industry")]
        if blank:
            cells[2] = ""                          # an empty cell is allowed in the line
        reps_rows.insert(min(k, len(reps_rows)), ",".join(cells))
    write_folder(folder, reps="rep_id,team,industry\n" + "\n".join(reps_rows) + "\n",
                 activity="rep_id,date,metric,value\n" + "\n".join(act_rows) + "\n")
    b = load_data(folder)
    q = b.quality
    for table, n_data in (("reps", 3), ("activity", 4)):
        t = q.tables[table]
        assert (t.rows_read, t.rows_used, t.rows_rejected) == (n_data + len(at), n_data, len(at))
        rej = q.rejects[q.rejects.table == table]
        assert (rej.reason == HEADER_ROW).all() and (rej.kind == "a header line inside the "
                                                     "table").all()
    assert sorted(b.reps.rep_id) == ["R1", "R2", "R3"]
    assert not any("unknown metric" in n for n in q.notes)
    run = score_parquet(as_parquet(folder), daily=True)
    cols = ["table", "file", "row", "rep_id", "column", "value", "reason"]
    pd.testing.assert_frame_equal(run.quality.rejects[cols].astype(str).reset_index(drop=True),
                                  load_data(folder).quality.rejects[cols].astype(str)
                                  .reset_index(drop=True))


OBSERVED_LAYOUTS = {
    "wide": ("rep_id,date,ssi,brand,people,insights,relationships",
             ["R1,2026-01-05,50,12,13,12,13", "R2,2026-01-05,40,10,10,10,10",
              "R1,2026-01-12,52,13,13,13,13"]),
    "long": ("rep_id,date,field,value",
             [f"R1,2026-01-05,{f},{v}" for f, v in (("ssi", 50), ("brand", 12), ("people", 13),
                                                    ("insights", 12), ("relationships", 13))]),
}


@pytest.mark.parametrize("in_folder", [False, True], ids=["one file", "a folder of files"])
@pytest.mark.parametrize("layout", OBSERVED_LAYOUTS)
def test_a_repeated_header_line_in_linkedins_scores_is_rejected_as_such(layout, in_folder,
                                                                        tmp_path):
    """A tracker's exports pasted together: the header line inside an ``ssi_observed`` file is
    rejected as such (not as a line without a number, or a snapshot without a date), with
    its file and row, and the snapshots are read as without it."""
    header, rows = OBSERVED_LAYOUTS[layout]
    name = "ssi_observed/a.csv" if in_folder else "ssi_observed.csv"
    for folder, lines in (("clean", rows), ("pasted", [*rows[:2], header, *rows[2:], header])):
        path = tmp_path / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        (tmp_path / folder / "reps.csv").write_text(REPS, encoding="utf-8")
    clean, pasted = load_data(tmp_path / "clean"), load_data(tmp_path / "pasted")
    pd.testing.assert_frame_equal(pasted.ssi_observed, clean.ssi_observed)
    got = pasted.quality.rejects
    got = got[got.reason == HEADER_ROW]
    assert got[["table", "file", "row", "column", "value"]].values.tolist() == [
        ["ssi_observed", name, row, "rep_id", "rep_id"] for row in (4, len(rows) + 3)]
    t, before = pasted.quality.tables["ssi_observed"], clean.quality.tables["ssi_observed"]
    assert (t.rows_read, t.rows_used, t.rows_rejected) == \
        (before.rows_read + 2, before.rows_used, before.rows_rejected + 2)


def test_header_lines_in_two_files_of_one_layout_are_each_their_own(tmp_path):
    """Files of one layout are checked together: each header line is still said with its own
    file and row, and each file's rows read = used + rejected."""
    header, rows = OBSERVED_LAYOUTS["wide"]
    files = {"a.csv": [rows[0], header, rows[1]], "b.csv": [header, rows[2], header]}
    for name, lines in files.items():
        path = tmp_path / "ssi_observed" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    (tmp_path / "reps.csv").write_text(REPS, encoding="utf-8")
    b = load_data(tmp_path)
    assert len(b.ssi_observed) == 3
    rej = b.quality.rejects
    assert rej[["file", "row", "reason"]].values.tolist() == [
        ["ssi_observed/a.csv", 3, HEADER_ROW], ["ssi_observed/b.csv", 2, HEADER_ROW],
        ["ssi_observed/b.csv", 4, HEADER_ROW]]
    per_file = b.quality.file_counts.set_index("file")
    assert per_file.loc["ssi_observed/a.csv", ["rows_read", "rows_used", "rows_rejected"]] \
        .tolist() == [3, 2, 1]
    assert per_file.loc["ssi_observed/b.csv", ["rows_read", "rows_used", "rows_rejected"]] \
        .tolist() == [3, 1, 2]


def test_merged_cells_of_linkedins_scores_in_a_workbook_are_said(tmp_path):
    """A workbook of LinkedIn's scores with the rep written once in a merged cell: its
    snapshots are read as Excel shows them, and the warning names the file in its folder."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["rep_id", "date", "ssi", "brand", "people", "insights", "relationships"])
    ws.append(["R1", "2026-01-05", 50, 12, 13, 12, 13])
    ws.append([None, "2026-01-12", 52, 13, 13, 13, 13])
    ws.merge_cells(start_row=2, end_row=3, start_column=1, end_column=1)
    (tmp_path / "ssi_observed").mkdir()
    wb.save(tmp_path / "ssi_observed" / "scores.xlsx")
    (tmp_path / "reps.csv").write_text(REPS, encoding="utf-8")
    b = load_data(tmp_path)
    assert b.ssi_observed["rep_id"].tolist() == ["R1", "R1"]
    said = [w for w in b.quality.warnings if "merged cell range" in w]
    assert len(said) == 1 and said[0].startswith("ssi_observed/scores.xlsx: ")


def test_a_header_row_needs_its_own_names():
    frame = pd.DataFrame({"rep_id": ["rep_id", "rep_id", "team", "R1"],
                          "team": ["team", "T1", "rep_id", "team"]})
    assert header_rows(frame).tolist() == [0]    # a rep 'rep_id' in team T1 is data
    assert header_rows(pd.DataFrame({"rep_id": ["R1", "Rep ID"]})).tolist() == [1]


def _workbook(path: Path, teams: list[str | None], merges: list[tuple[int, int]],
              across: str | None = None) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "reps"
    ws.append(["rep_id", "team", "industry"])
    for i, team in enumerate(teams):
        ws.append([f"R{i:03d}", team, "Software"])
    for first, last in merges:
        ws.merge_cells(start_row=first, end_row=last, start_column=2, end_column=2)
    if across:
        ws.merge_cells(across)
    wb.save(path)


@FEW
@given(blocks=st.lists(st.tuples(st.integers(1, 12), st.booleans()), min_size=1, max_size=6))
def test_merged_cells_are_read_as_excel_shows_them(blocks, tmp_path_factory):
    """A team written once in a merged cell for its reps (57 of 60 reps were left without a
    team, and nothing said so): each rep of the range has it, and a warning names the ranges."""
    folder = tmp_path_factory.mktemp("merged")
    teams, merges, expected, row = [], [], [], 2
    for k, (size, merged) in enumerate(blocks):
        label = f"Team {k}"
        merged = merged and size > 1
        teams += [label] + ([None] * (size - 1) if merged else [label] * (size - 1))
        if merged:
            merges.append((row, row + size - 1))
        expected += [label] * size
        row += size
    _workbook(folder / "reps.xlsx", teams, merges)
    write_folder(folder, activity=ACT.replace("R1,", "R000,").replace("R2,", "R000,"))
    b = load_data(folder)
    assert b.reps.sort_values("rep_id").team.tolist() == expected
    said = [w for w in b.quality.warnings if "merged cell range" in w]
    if merges:
        assert len(said) == 1 and f"{len(merges)} merged cell range(s)" in said[0]
        for first, last in merges[:5]:
            assert f"{first}-{last}" in said[0]
    else:
        assert not said


@pytest.mark.parametrize("down", [[], [(2, 4)], [(3, 5)]])
def test_cells_merged_across_columns_stop_the_run(down, tmp_path):
    """Also when a range merged down a column overlaps it (a workbook Excel calls damaged;
    it ended in 'cannot read the file (AttributeError)')."""
    _workbook(tmp_path / "reps.xlsx", ["T"] * 4, down, across="A3:C3")
    write_folder(tmp_path, activity=ACT.replace("R1,", "R000,").replace("R2,", "R000,"))
    with pytest.raises(SSIInputError, match="merged across columns") as exc:
        load_data(tmp_path)
    assert "A3:C3" in str(exc.value) and exc.value.file == "reps.xlsx" and exc.value.fix


@FEW
@given(levels=st.lists(st.tuples(st.sampled_from(["R1", "R2", "R3"]), st.integers(5, 8),
                                 st.sampled_from([0.25, 0.5, 0.75, 1.0])),
                       min_size=1, max_size=12))
def test_two_levels_on_one_day_are_said_and_the_largest_used(levels, tmp_path_factory):
    """A level is one value a day; rows are summed for counts only. Different levels for a rep
    on a day are resolved by the largest (both engines), and a warning says how many rep-days
    and which first; identical ones are one value."""
    folder = tmp_path_factory.mktemp("levels")
    extra = "".join(f"{r},2026-01-0{d},profile_completeness,{v}\n" for r, d, v in levels)
    write_folder(folder, reps=REPS, activity=ACT + extra)
    b = load_data(folder)
    span = pd.DataFrame(levels, columns=["rep", "day", "v"]).groupby(["rep", "day"])["v"]
    odd = span.agg(["min", "max"])
    odd = odd[odd["min"] < odd["max"]]
    said = [w for w in b.quality.warnings if "different values on one day" in w]
    if odd.empty:
        assert not said
    else:
        (rep, day), first = odd.index[0], odd.iloc[0]
        assert len(said) == 1 and f"for {len(odd)} rep-day(s)" in said[0]
        assert f"rep_id {rep} on 2026-01-0{day}: from {first['min']:g} to {first['max']:g}" \
            in said[0]
    mine = score(b.activity, b.reps, daily=True, details=True).table
    got = mine.set_index(["rep_id", "date"])["profile_completeness_value"]
    for (rep, day), v in span.max().items():
        assert got[(rep, pd.Timestamp(f"2026-01-0{day}"))] == v      # the largest of the day
    run = score_parquet(as_parquet(folder), daily=True)
    assert run.quality.lines() == load_data(folder).quality.lines()
    assert np.allclose(run.scores.table["ssi"], mine["ssi"], rtol=1e-12, atol=1e-12)


# ====================================================================== class 7: dates at edges
DAYS = st.one_of(st.dates(min_value=pd.Timestamp("1000-01-01").date(),
                          max_value=pd.Timestamp("9999-12-31").date()),
                 st.sampled_from([pd.Timestamp(d).date() for d in (
                     "2003-05-04", "2003-05-05", "2262-04-11", "2262-04-12", "1677-09-22",
                     "1970-01-01", "2300-01-01", "2026-01-06", "2026-06-01")]))


@pytest.fixture(scope="module")
def edge_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edges")
    write_folder(folder, reps=REPS, activity=ACT + "R1,2026-01-05,profile_completeness,0.8\n")
    return as_parquet(folder)


@pytest.fixture(scope="module")
def edge_bundle(edge_folder):
    """The folder loaded once: each example scores it as of another day."""
    return load_data(edge_folder)


@FEW
@given(day=DAYS)
def test_an_asof_date_is_scored_as_written_or_refused_by_both_engines(day, edge_folder,
                                                                       edge_bundle):
    """The pandas engine wrote 2300-01-01 as 1715-06-13 (DuckDB wrote it right): now a day
    both can hold is scored and written as given by both, any other refused by both, saying
    why (the command line names --asof)."""
    b = edge_bundle
    text = day.isoformat()
    try:
        pandas = score(b.activity, b.reps, asof=text).table
    except SSIInputError as exc:
        with pytest.raises(SSIInputError) as other:
            score_parquet(edge_folder, asof=text)
        assert other.value.problem == exc.problem
        assert not pd.Timestamp("2003-05-05") <= pd.Timestamp(day) <= pd.Timestamp("2262-04-11")
        from ssi_analysis.cli import parse_asof

        with pytest.raises(SSIConfigError, match=f"--asof '{text}' is (before|after)"):
            parse_asof(text)
        return
    fast = score_parquet(edge_folder, asof=text).scores.table
    assert (pandas["date"] == pd.Timestamp(day)).all() and (fast["date"] == pandas["date"]).all()
    assert np.allclose(fast["ssi"], pandas["ssi"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
@pytest.mark.parametrize("level", [False, True])
@pytest.mark.parametrize("asof", ["2025-12-01", "2026-01-20", "2026-06-01", "2262-04-11"])
def test_the_asof_warning_is_true_of_the_scores(asof, level, engine, tmp_path, capsys):
    """'every score is 0' was said while profile completeness, a level that keeps its last
    value, still scored."""
    extra = "R1,2026-01-05,profile_completeness,0.8\n" if level else ""
    folder = as_parquet(Path(write_folder(tmp_path / "d", reps=REPS, activity=ACT + extra)))
    code, out, _ = cli(capsys, "score", "--data", folder, "--out", tmp_path / "s.csv",
                       "--asof", asof, "--engine", engine)
    assert code == 0
    ssi = pd.read_csv(tmp_path / "s.csv")["ssi"]
    assert ("every score is 0" in out) == (ssi == 0).all(), out
    if level and asof >= "2026-06-01":
        assert "the scores come from profile_completeness alone" in out and (ssi > 0).any()


# ====================================================================== class 8: engines agree
def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


ENGINE_CASES = {
    "csv-and-parquet": {"activity.CSV": ACT, "activity.parquet": _frame(ACT)},
    "empty-parquet": {"activity.parquet": _frame(ACT).iloc[:0]},
    "zero-bytes": {"activity.parquet": b""},
    "cut-short": {"activity.parquet": b"PAR1 and then nothing"},
    "csv-renamed": {"activity.parquet": ACT.encode()},
    "missing-columns": {"activity.parquet": _frame(ACT).drop(columns="metric")
                        .rename(columns={"value": "metrc"})},
    "repeated-column": {"activity.parquet": pd.concat(
        [_frame(ACT), _frame(ACT)[["value"]].rename(columns={"value": "Value"})], axis=1)},
    "no-metric-of-a-pillar": {"activity.parquet": _frame(ACT).iloc[:1]},
    "every-row-rejected": {"activity.parquet": _frame(ACT.replace("2026-01", "2099-01"))},
    "strict": {"activity.parquet": _frame(ACT + "R1,2026-01-05,posts,-1\n")},
    "repeated-rep": {"activity.parquet": _frame(ACT), "reps.csv": REPS + "R1,T3,Retail\n"},
    "no-activity": {},
    "file-and-folder": {"activity.parquet": _frame(ACT), "activity/part-0.parquet": _frame(ACT)},
    "folder-named-as-a-file": {"activity.parquet/part-0.parquet": _frame(ACT)},
    "header-line": {"activity.parquet": _frame(ACT + "rep_id,date,metric,value\n")},
    "levels-twice-a-day": {"activity.parquet": _frame(
        ACT + "R1,2026-01-05,profile_completeness,0.5\nR1,2026-01-05,profile_completeness,0.7\n")},
    **{f"named-{n}": {n: _frame(ACT)} for n in ("Activity.parquet", "ACTIVITY.PARQUET",
                                                 "activity.Parquet")},
}


@pytest.mark.parametrize("case", sorted(ENGINE_CASES))
def test_the_engines_find_say_and_count_alike(case, tmp_path, capsys):
    """What the command prints (the counts, warnings, notes and the error, also when the run
    stops) and its exit code are the same in both engines: one discovery, one set of checks
    of a file, one stop."""
    folder = tmp_path / "data"
    for name, content in {"reps.csv": REPS, **ENGINE_CASES[case]}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, pd.DataFrame):
            content.to_parquet(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    said = {}
    for engine in ("pandas", "duckdb"):
        out = tmp_path / engine / "s.csv"
        extra = ["--strict"] if case == "strict" else []
        code, text, err = cli(capsys, "score", "--data", folder, "--out", out, "--engine",
                              engine, *extra)
        said[engine] = (code, text.replace(str(out.parent), "OUT"), err)
    assert said["pandas"] == said["duckdb"]
    code, text, err = said["pandas"]
    if code:                                   # a stop says what was read, then why
        assert err.startswith("error: ") and "fix:" in err
    if case == "folder-named-as-a-file":
        assert code == 2 and "(activity.parquet is a folder, not a file)" in err, err
        if case not in ("no-activity",):
            assert text.startswith("reps.csv: read ")


# ====================================================================== class 9: messages
ID_WAYS = {
    "zero-width": lambda s, k: s[:k] + "\u200b" + s[k:],
    "byte-order-mark": lambda s, k: "\ufeff" + s,
    "decomposed": lambda s, k: unicodedata.normalize("NFD", s),
    "letter-case": lambda s, k: s.lower(),
}


@FEW
@given(ways=st.lists(st.sampled_from(sorted(ID_WAYS)), min_size=1, max_size=4),
       at=st.integers(0, 4))
def test_ids_that_differ_in_what_cannot_be_seen_are_read_and_named(ways, at, tmp_path_factory):
    """'José' written as 'Jose' and a combining accent, an id with a zero-width space or a
    byte-order mark from an appended file: the same id to the eye. Each is read as the rep it
    is, and the warning shows what differs, written out (<U+0301>)."""
    folder = tmp_path_factory.mktemp("ids")
    reps = ["Jos\u00e9", "R\u00e9mi", "RA-1"]
    rows, expected = [], []
    for k, way in enumerate(ways):
        rep = reps[k % len(reps)]
        written = ID_WAYS[way](rep, min(at, len(rep)))
        rows += [f"{written},2026-01-05,{m},1" for m in
                 ("posts", "people_searches", "comments", "colleague_connections")]
        expected += [rep] * 4
    write_folder(folder, reps="rep_id\n" + "\n".join(reps) + "\n",
                 activity="rep_id,date,metric,value\n" + "\n".join(rows) + "\n")
    b = load_data(folder)
    assert sorted(b.activity.rep_id.astype(str)) == sorted(expected)
    changed = sorted({(w, r) for w, r in zip(
        [row.split(",")[0] for row in rows], expected, strict=True) if w != r})
    said = " | ".join(b.quality.warnings)
    if changed:
        written, rep = changed[0]
        assert f"'{shown_id(written)}' for '{shown_id(rep)}': {id_difference(written, rep)}" \
            in said, said
        assert not re.search("[\u200b\ufeff]", said)             # written out, not hidden
    run = score_parquet(as_parquet(folder), daily=True)
    assert run.quality.lines() == load_data(folder).quality.lines()


@pytest.mark.parametrize("toml, fragment", [
    ('[metrics.message_reply_rate]\nnumerator = "message_reply"\n',
     "numerator 'message_reply' is not a count metric of the activity data"),
    ('[metrics.message_reply_rate]\ndenominator = "profile_completeness"\n',
     "denominator 'profile_completeness' is not a count metric"),
    ('[metrics.inmail_rate]\npillar = "relationships"\nkind = "rate"\nweight = 1\n'
     'numerator = "inmail_replies"\ndenominator = "inmail_sent"\ntarget = 0.5\nprior = 0.1\n'
     'prior_n = 5\n', "denominator 'inmail_sent' is not a count metric"),
    ('[metrics.tweets]\npillar = "brand"\nkind = "count"\nweight = 1\nhalf = 3\n',
     "'tweets' is not a count metric of the activity data"),
    ('[metrics.posts]\nkind = "level"\n', "'posts' is not a level metric"),
])
def test_a_config_naming_no_metric_of_the_data_is_a_config_error(toml, fragment, tmp_path):
    """Such a metric was reported 'absent from the data' on every run: the data cannot hold
    it. It is the config that is wrong, and the error says so (with the closest name)."""
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(SSIConfigError) as exc:
        load_config(path)
    assert fragment in str(exc.value) and exc.value.file == str(path), exc.value
    assert exc.value.fix and "metric names" in exc.value.fix


def test_a_new_rate_of_catalogue_metrics_is_fine(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[metrics.like_per_post]\npillar = "insights"\nkind = "rate"\nweight = 1\n'
                    'numerator = "likes"\ndenominator = "posts"\ntarget = 1\nprior = 0.5\n'
                    'prior_n = 2\n')
    assert load_config(path).metric("like_per_post").inputs == ("likes", "posts")


@pytest.mark.parametrize("command", ["score", "duckdb", "analyze", "outcomes"])
def test_the_counts_are_printed_when_a_run_stops_after_loading(command, tmp_path, capsys):
    """A run that stops after its tables were read (no metric that scores any pillar; no
    outcomes to analyse; nothing to derive) prints every table's counts, then the error. (A
    pillar without a metric is not scored, and the others are: no stop.)"""
    act = ACT if command in ("analyze", "outcomes") else \
        "rep_id,date,metric,value\nR1,2026-01-05,lists_created,2\n"   # carried, not scored
    folder = as_parquet(Path(write_folder(
        tmp_path / "d", reps=REPS, activity=act,
        outcomes="rep_id,period_start,period_end,quota,bookings,opportunities\n"
                 "R1,2020-04-01,2020-04-30,1000,500,3\n")))
    args = {"score": ["score", "--out", tmp_path / "s.csv"],
            "duckdb": ["score", "--out", tmp_path / "s.csv", "--engine", "duckdb"],
            "analyze": ["analyze", "--out", tmp_path / "a"],
            "outcomes": ["outcomes", "--out", tmp_path / "o.csv"]}[command]
    code, out, err = cli(capsys, *args, "--data", folder)
    assert code == 2 and err.startswith("error: "), err
    assert re.search(r"^reps\.csv: read 3 rows", out, re.M), out
    assert re.search(r"^activity\.parquet: read \d+ rows", out, re.M), out
    if command in ("analyze", "outcomes"):
        assert re.search(r"^outcomes\.csv: read 1 rows", out, re.M), out


@pytest.mark.parametrize("command", ["simulate", "analyze", "report"])
@pytest.mark.parametrize("seed", ["-1", "abc", "1.5", "", "1e3"])
def test_a_bad_seed_names_the_option(command, seed, tmp_path, capsys):
    """``--seed -1`` ended in numpy's traceback (simulate) or 'None: seed must be ...'
    (analyze): the error names the option, before anything is read or written (the range is
    ``cli.whole_number``'s, checked for every numeric option in ``tests/test_cli_options.py``)."""
    out = tmp_path / "x"
    with pytest.raises(SystemExit) as exc:
        main([command, "--data", "example", "--out", str(out), f"--seed={seed}"]
             if command != "simulate" else [command, "--out", str(out), f"--seed={seed}"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "Traceback" not in err
    assert f"argument --seed: must be a whole number from 0 to 4294967295, got '{seed}'" in err, \
        err
    assert not out.exists()


# ====================================================================== found by other helpers
def test_simulate_writes_excel_folders_that_load_and_repeat_byte_for_byte(tmp_path, capsys):
    for out in ("a", "b"):
        code, _, _ = cli(capsys, "simulate", "--out", tmp_path / out, "--format", "xlsx",
                         "--reps", 12, "--days", 100)
        assert code == 0
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "reps.xlsx" in files and "activity.xlsx" in files
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    b = load_data(tmp_path / "a")
    assert len(b.reps) == 12 and b.quality.rejects.empty


@pytest.fixture(scope="module")
def short_scores():
    from ssi_analysis.simulate import simulate

    out = {}
    for days in (95, 103, 120):
        t, _ = simulate(30, seed=1, days=days)
        out[days] = (t["reps"], score(t["activity"], t["reps"], daily=True))
    return out


@pytest.mark.parametrize("days, weeks", [(95, None), (103, 0), (120, 2)])
def test_the_report_tables_degrade_on_short_data(days, weeks, short_scores):
    """On 120 days the report stopped: the team trend asked for a week 4 weeks back. It now
    compares over the weeks the data hold, and with one week (or none) gives the reason in
    place of the table."""
    from ssi_analysis import stats
    from ssi_analysis.report import _extras, _weekly
    from ssi_analysis.report.sections import trend_text

    reps, daily = short_scores[days]
    tables, notes = _extras(SimpleNamespace(reps=reps), daily.on(),
                            _weekly(lambda: stats.weekly_scores(daily)))
    if weeks is None:
        assert "ssi_trend" not in tables
        assert any(n.startswith("no weekly trend: ") for n in notes), notes
        return
    trend = tables["ssi_trend"]
    if weeks == 0:
        assert not trend["estimable"].any() and "a change needs two" in trend["reason"].iloc[0]
        text = trend_text(tables["weekly_changes"], trend)
        assert text == ("<p>There are too few weeks with a full scoring window to show a trend "
                        "(no rep has two weeks to compare).</p>"), text
    else:
        assert trend["estimable"].all() and (trend["weeks"] == weeks).all()
