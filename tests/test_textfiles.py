"""Every text file the toolkit reads is decoded by one rule: a config or mapping TOML or a
LinkedIn JSON in UTF-8 (with or without a byte-order mark), UTF-16, Windows-1252 or Latin-1 reads
as a CSV table of the same bytes does, with the same note, and bytes that are not text give the
same message.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ssi_analysis.cli import main
from ssi_analysis.config import load_config
from ssi_analysis.crm import load_mapping
from ssi_analysis.errors import SSIConfigError, SSIInputError
from ssi_analysis.io import read_raw
from ssi_analysis.io.linkedin_json import read_linkedin_json as read_observed_json
from ssi_analysis.textfiles import decode_text

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "cp1252", "latin-1"]


def is_utf8(data: bytes) -> bool:
    """Bytes of another encoding can be UTF-8 too (``'Â¡'`` in Windows-1252 is ``'¡'`` in
    UTF-8): such a file is read as UTF-8, with no note."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)


# a column name as a CRM export writes it: letters of any script, digits, spaces, punctuation
# that is neither the CSV's nor TOML's syntax
NAMES = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "Pd", "Po", "Sc", "So"),
                              exclude_characters=',;|"\\\t#\u00a0\u2007\u202f\u3000'),
                min_size=1, max_size=30).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES, encoding=st.sampled_from(ENCODINGS))
@example(name="Â¡", encoding="cp1252")      # cp1252 bytes that are valid UTF-8
def test_a_mapping_file_reads_as_a_table_of_the_same_bytes(name, encoding, tmp_path):
    """A mapping naming a column, in any encoding: the column it names is the text a CSV of the
    same encoding has in its header, and both say the same about the encoding."""
    try:
        toml = encode(f'[columns]\nowner = "{name}"\n', encoding)
        csv = encode(f"id\n{name}\nR1\n", encoding)
    except UnicodeEncodeError:
        return                           # the encoding cannot write the name: nothing to read
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "m.toml").write_bytes(toml)
    (folder / "t.csv").write_bytes(csv)
    table = read_raw(folder / "t.csv", "reps")
    mapping = load_mapping(folder / "m.toml")
    cell = table.frame.iloc[0, 0]
    assert dict(mapping.columns)["owner"] == (cell,)
    if encoding in ("cp1252", "latin-1") and not name.isascii() and not is_utf8(csv):
        assert table.notes and "Latin-1" in table.notes[0]
    elif encoding in ("cp1252", "latin-1"):
        # bytes that are also valid UTF-8 ('Â¡' in cp1252 is C2 A1, UTF-8's '¡') read as UTF-8:
        # nothing in the file tells them apart; the mapping reads them the same (above)
        assert cell == name.encode(encoding).decode("utf-8")
    else:
        assert cell == name
    notes: list[str] = []
    decode_text(toml, "m.toml", notes)
    assert [n.split(": ", 1)[1] for n in notes] == [n.split(": ", 1)[1] for n in table.notes]


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES, encoding=st.sampled_from(ENCODINGS))
def test_a_linkedin_json_reads_as_a_table_of_the_same_bytes(name, encoding, tmp_path):
    """LinkedIn's SSI JSON with a rep id in any encoding: the id read is the CSV's cell of the
    same bytes, with the same note (JSON escapes kept out: the id is written as it is)."""
    try:
        data = encode('[{"rep_id": "' + name + '", "date": "2026-05-19", '
                      '"memberScore": {"overall": 53}}]', encoding)
        csv = encode(f"id\n{name}\nR1\n", encoding)
    except UnicodeEncodeError:
        return
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "ssi_observed.json").write_bytes(data)
    (folder / "t.csv").write_bytes(csv)
    table = read_raw(folder / "t.csv", "reps")
    observed = read_observed_json(folder / "ssi_observed.json")
    assert observed.frame.loc[0, "rep_id"] == table.frame.iloc[0, 0]
    assert observed.frame.loc[0, "ssi"] == 53
    assert ([n.split(": ", 1)[1] for n in observed.notes]
            == [n.split(": ", 1)[1] for n in table.notes])


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(comment=st.text(max_size=40), encoding=st.sampled_from(ENCODINGS),
       noise=st.binary(max_size=4))
def test_a_config_in_any_encoding_loads_or_says_why(comment, encoding, noise, tmp_path):
    """A config with any comment in any encoding, even with stray bytes: it loads as the UTF-8
    file does, or stops with a config error that says what to do; never another error."""
    try:
        data = encode(f"# {comment}\n[scoring]\nwindow_days = 60\n", encoding)
    except UnicodeEncodeError:
        return
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "c.toml"
    path.write_bytes(data[:len(data) // 2] + noise + data[len(data) // 2:] if noise else data)
    try:
        config = load_config(path)
    except SSIConfigError as exc:
        assert exc.file == str(path) and exc.fix
        return
    assert config.window_days == 60 or noise


NOT_TEXT = {
    "UTF-16 without a byte-order mark": "[scoring]\nmode = 'relative'\n".encode("utf-16-le"),
    "UTF-16 cut in the middle of a character": b"\xff\xfe" + "[scoring]".encode("utf-16-le")
                                               + b"\x00",
    "binary": bytes([0, 0, 0, 7, 200, 31]) * 200,
}


@pytest.mark.parametrize("case", NOT_TEXT)
def test_bytes_that_are_not_text_get_the_table_s_message(case, tmp_path):
    data = NOT_TEXT[case]
    (tmp_path / "t.csv").write_bytes(data)
    (tmp_path / "c.toml").write_bytes(data)
    with pytest.raises(SSIInputError) as table:
        read_raw(tmp_path / "t.csv", "reps")
    for load in (load_config, load_mapping):
        with pytest.raises(SSIConfigError) as config:
            load(tmp_path / "c.toml")
        assert config.value.problem == table.value.problem
        assert config.value.fix == "save it again as UTF-8"
    (tmp_path / "ssi_observed.json").write_bytes(data)
    with pytest.raises(SSIInputError) as linkedin:
        read_observed_json(tmp_path / "ssi_observed.json")
    assert linkedin.value.problem == table.value.problem
    assert linkedin.value.fix == "save it again as UTF-8"


def test_the_command_line_says_how_a_config_was_read(tmp_path, capsys):
    cfg = tmp_path / "réglages.toml"
    cfg.write_bytes("# période d'essai\n[scoring]\nwindow_days = 60\n".encode("cp1252"))
    assert main(["validate", "--data", "example", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert f"note: {cfg}: not UTF-8; read as Latin-1 (Windows-1252-like) text" in out
    smart = tmp_path / "smart.toml"                   # Windows-1252 curly quotes: not TOML
    smart.write_bytes('[scoring]\nmode = \u201crelative\u201d\n'.encode("cp1252"))
    assert main(["validate", "--data", "example", "--config", str(smart)]) == 2
    err = capsys.readouterr().err
    assert "not valid TOML" in err and "save it again as UTF-8" in err
    assert "Traceback" not in err
