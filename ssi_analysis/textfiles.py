"""Decoding the text files people write: one rule for tables, config and mapping files and
LinkedIn's SSI JSON.

A CSV table, a config TOML, a mapping TOML and a JSON export come from the same editors (Excel,
Notepad, a CRM's export), so they are decoded the same way (:func:`decode_text`):

- UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8");
- UTF-16 by its byte-order mark (Excel's "Unicode Text", Notepad's "Unicode"), said in a note;
- otherwise Latin-1 (Windows-1252-like: what Excel's plain "CSV" and Notepad's "ANSI" write on a
  Western European system), said in a note. Every byte decodes, so a few invalid bytes in a
  mostly-UTF-8 file make the whole file read as Latin-1, with the note saying so;
- text that is mostly NUL bytes (UTF-16 without a byte-order mark, or a binary file) and UTF-16
  that does not decode are refused, with what to do.

:func:`looks_like_text` tells text from a binary file, so a file whose suffix promises a binary
format (``.xlsx``, ``.parquet``) but that holds text is said to look like CSV renamed.

Examples
--------
>>> notes = []
>>> decode_text("Ventes équipe".encode("cp1252"), "c.toml", notes), notes
('Ventes équipe', ['c.toml: not UTF-8; read as Latin-1 (Windows-1252-like) text'])
>>> decode_text(b"\\xef\\xbb\\xbfowner = 1", "m.toml")
'owner = 1'
"""

from __future__ import annotations

from pathlib import Path

from .errors import SSIConfigError, SSIError, SSIInputError

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(data: bytes, name: str, notes: list[str] | None = None, *,
                error: type[SSIError] = SSIInputError, save_as: str = "CSV UTF-8") -> str:
    """``data`` as text by the rule of the module; what was guessed is appended to ``notes``.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        The file's name, for the notes and the error.
    notes : list of str, optional
        Where "read as UTF-16" or "read as Latin-1" is said.
    error : SSIError subclass
        Raised when the bytes are not text (an input file: :class:`SSIInputError`; a config or
        mapping file: :class:`SSIConfigError`).
    save_as : str
        The format the fix asks for ("CSV UTF-8" for a table, "UTF-8" for a TOML file).

    Raises
    ------
    SSIError
        UTF-16 text that does not decode, or bytes that are mostly NUL (``error``).
    """
    notes = [] if notes is None else notes
    fix = f"save it again as {save_as}"
    if data[:2] in UTF16_BOMS:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise error("the file starts as UTF-16 text but cannot be read as it", file=name,
                        fix=fix) from None
        notes.append(f"{name}: UTF-16 text (Excel's 'Unicode Text'); read as such")
        return text
    if data.count(b"\x00") > len(data) // 4:
        raise error("the file looks like UTF-16 text without a byte-order mark, or binary "
                    "data", file=name, fix=fix)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    notes.append(f"{name}: not UTF-8; read as Latin-1 (Windows-1252-like) text")
    return data.decode("latin-1")


def read_text(path: str | Path, *, what: str, option: str,
              notes: list[str] | None = None) -> str:
    """A config or mapping file (``what``, given with ``option``) as text, by
    :func:`decode_text`.

    Raises
    ------
    SSIConfigError
        The file cannot be read (missing, a folder, no permission) or is not text.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SSIConfigError(f"cannot read the {what} ({exc.strerror or exc})", file=str(path),
                             fix=f"check the path given to {option}") from None
    return decode_text(data, str(path), notes, error=SSIConfigError, save_as="UTF-8")


def encoding_notes(*paths: str | Path | None) -> list[str]:
    """What :func:`decode_text` says about each readable file of ``paths`` (nothing for UTF-8;
    a missing or unreadable file is left to the command that reads it)."""
    notes: list[str] = []
    for path in paths:
        if path is None or not Path(path).is_file():
            continue
        try:
            decode_text(Path(path).read_bytes(), str(path), notes, error=SSIConfigError)
        except (OSError, SSIError):
            continue
    return notes


def toml_error(exc: Exception, path: str | Path, notes: list[str]) -> SSIConfigError:
    """A TOML syntax error of ``path`` as a config error; when the file was not UTF-8 (a
    ``note``), the fix says to save it as UTF-8 (TOML files are UTF-8, and Windows-1252's curly
    quotes read as Latin-1 are control characters TOML refuses)."""
    fix = ("the file is not UTF-8 (see the note): save it again as UTF-8" if notes
           else "see https://toml.io for the syntax")
    return SSIConfigError(f"not valid TOML: {exc}", file=str(path), fix=fix)


def looks_like_text(data: bytes) -> bool:
    r"""Whether bytes read as text (UTF-8, else Latin-1 without control characters).

    >>> looks_like_text("rep_id;équipe\n".encode("latin-1")), looks_like_text(b"PK\x03\x04\x00")
    (True, False)
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n")
    return controls == 0 and sum(c.isprintable() or c in "\t\r\n" for c in text) >= 0.95 * len(text)
