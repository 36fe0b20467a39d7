"""A batch's inputs: every file given and every file under the folders given, each once, sorted,
each with a name unique in the batch that can be written anywhere; the files passed over, each
with its reason; and the manifest that says whose and which year a document is."""
from __future__ import annotations

import csv
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

# A document's name becomes json/<name>.json and xlsx/<name>.xlsx: with room for the suffix and a
# ``~N`` that keeps twins apart, it stays within the 255 bytes a file name may have.
MAX_NAME_BYTES = 240


class ManifestError(ValueError):
    """A manifest that cannot be used: checked before any document is read."""


@dataclass(frozen=True)
class Input:
    path: Path
    name: str  # the document's name in the outputs: its file name, made unique and printable


@dataclass(frozen=True)
class Skipped:
    path: str  # printable
    reason: str


@dataclass
class Found:
    inputs: list[Input] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def printable(text: str) -> str:
    """A file name or path as it can be written into JSON, CSV and file names: bytes that are not
    UTF-8 read as GB18030 where they are that (what unzipping a Chinese Windows archive gives),
    escaped otherwise, and control characters (a ``\\r`` would break a CSV row) escaped."""
    if any(0xDC80 <= ord(c) <= 0xDCFF for c in text):  # os.fsdecode's surrogateescape
        raw = os.fsencode(text)
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "backslashreplace")
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c
                   for c in text)


def find_inputs(paths: Iterable[str | Path], include: Iterable[str] = (), exclude: Iterable[str] = (),
                out: Path | None = None) -> list[Input]:
    """The documents under ``paths`` (see :func:`walk`)."""
    return walk(paths, include, exclude, out).inputs


def walk(paths: Iterable[str | Path], include: Iterable[str] = (), exclude: Iterable[str] = (),
         out: Path | None = None) -> Found:
    """Files as given, and every regular file under folders (recover tells a document's kind by its
    content, not its name), following links to folders once.  ``include``/``exclude`` are globs
    matched against a found file's name and its path below the folder given; a file named
    directly is always read.  The same file reached twice is read once.  The order is the files'
    paths sorted, whatever order they were given in, so names and the check across years do not
    depend on it.  ``out`` (the batch's output folder) is never read."""
    include, exclude = list(include), list(exclude)
    found = Found()
    files: list[Path] = []
    seen_folders: set[tuple[int, int] | None] = set()
    skip_folder = _identity(out) if out is not None else None

    def visit(folder: Path, top: Path) -> None:
        try:
            # links last: a folder is read under its own name before any link to it
            entries = sorted(os.scandir(folder), key=lambda e: (e.is_symlink(), os.fsencode(e.name)))
        except OSError as e:
            found.skipped.append(Skipped(printable(str(folder)), f"cannot list the folder: {e.strerror or e}"))
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                is_folder = entry.is_dir()  # follows links
            except OSError:
                is_folder = False
            if is_folder:
                key = _identity(path)
                if key == skip_folder:
                    found.skipped.append(Skipped(printable(str(path)), "the batch's own output folder"))
                elif key in seen_folders:
                    found.skipped.append(Skipped(printable(str(path)), "a folder already read (a link back to it)"))
                else:
                    seen_folders.add(key)
                    visit(path, top)
                continue
            relative = path.relative_to(top).as_posix()
            reason = _filtered(entry.name, relative, include, exclude)
            if reason:
                found.skipped.append(Skipped(printable(str(path)), reason))
            else:
                files.append(path)

    for p in map(Path, paths):
        if p.is_dir():
            key = _identity(p)
            if key not in seen_folders:
                seen_folders.add(key)
                visit(p, p)
        else:
            files.append(p)

    first_of: dict[object, Path] = {}
    for f in sorted(files, key=lambda f: os.fsencode(str(f))):
        same: object = _identity(f) or os.path.abspath(f)
        if same in first_of:
            found.skipped.append(Skipped(printable(str(f)), f"the same file as {printable(str(first_of[same]))}"))
            continue
        first_of[same] = f
    used: set[str] = set()
    for f in first_of.values():
        found.inputs.append(Input(f, _unique_name(printable(f.name), used)))
    return found


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _filtered(name: str, relative: str, include: list[str], exclude: list[str]) -> str:
    for pattern in exclude:
        if fnmatch(name, pattern) or fnmatch(relative, pattern):
            return f"excluded by --exclude {pattern}"
    if include and not any(fnmatch(name, p) or fnmatch(relative, p) for p in include):
        return "matched by no --include"
    return ""


def _unique_name(name: str, used: set[str]) -> str:
    """``name`` cut to fit :data:`MAX_NAME_BYTES`, with ``~2``, ``~3``… where a file of the same
    name came first."""
    stem, suffix = os.path.splitext(name)
    if len(suffix.encode()) > 16:
        stem, suffix = name, ""
    candidate, n = _fit(stem, suffix, ""), 2
    while candidate in used:  # the same file name in two folders: keep both apart
        candidate, n = _fit(stem, suffix, f"~{n}"), n + 1
    used.add(candidate)
    return candidate


def _fit(stem: str, suffix: str, mark: str) -> str:
    room = MAX_NAME_BYTES - len(suffix.encode()) - len(mark.encode())
    return stem.encode()[:room].decode("utf-8", "ignore") + mark + suffix


def read_manifest(path: Path | None) -> dict[str, tuple[str, int | None]]:
    """A manifest CSV (document, agency, year) as {document: (agency, year)}; a manifest that
    cannot be read, has no ``document`` column or a year that is not a number raises
    :class:`ManifestError` saying where."""
    if not path:
        return {}
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise ManifestError(f"cannot read the manifest {path}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise ManifestError(f"the manifest {path} is not a UTF-8 CSV file") from e
    if "\x00" in text:
        raise ManifestError(f"the manifest {path} is not a CSV file (it holds binary data)")
    try:
        reader = csv.DictReader(text.splitlines())
        columns = reader.fieldnames or []
        if "document" not in columns:
            raise ManifestError(f"the manifest {path} has no 'document' column (its columns: "
                                f"{', '.join(columns) or 'none'}; expected document, agency, year)")
        rows = {}
        for line, row in enumerate(reader, start=2):
            year = (row.get("year") or "").strip()
            if year and not (year.isascii() and year.isdigit()):
                raise ManifestError(f"the manifest {path}, line {line}: the year {year!r} is not a number "
                                    "(write 2021, not 2021年)")
            rows[row["document"]] = ((row.get("agency") or "").strip(), int(year) if year else None)
    except csv.Error as e:
        raise ManifestError(f"the manifest {path} is not a valid CSV file: {e}") from e
    return rows
