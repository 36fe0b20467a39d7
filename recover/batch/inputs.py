"""A batch's inputs: the files given and the documents under folders, each with a name unique
in the batch, and the manifest that says whose and which year a document is."""
from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# File kinds picked up when a directory is given (a file named explicitly is always read).  The
# office formats recover cannot read are picked up too, so that they are listed, failed, with what
# to do, rather than passed over in silence.
DOCUMENT_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".shtml", ".pdf", ".docx", ".docm",
                     ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp",
                     ".doc", ".wps", ".rtf", ".ofd", ".xls", ".et"}

@dataclass
class Input:
    path: Path
    name: str  # the document's name in the outputs: its file name, made unique within the batch


def find_inputs(paths: Iterable[str | Path]) -> list[Input]:
    """Files as given, and the documents under directories (recursively, sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix.lower() in DOCUMENT_SUFFIXES
                            and not any(part.startswith(".") for part in f.relative_to(p).parts))
        else:
            files.append(p)
    inputs, used = [], set()
    for f in files:
        name = f.name
        n = 2
        while name in used:  # the same file name in two folders: keep both apart
            name = f"{f.stem}~{n}{f.suffix}"
            n += 1
        used.add(name)
        inputs.append(Input(f, name))
    return inputs


def apply_manifest(reports: list, manifest: Path | None) -> None:
    """A manifest CSV (document, agency, year) overrides what the documents say of themselves."""
    if not manifest:
        return
    with open(manifest, encoding="utf-8-sig", newline="") as f:
        rows = {row["document"]: row for row in csv.DictReader(f)}
    for report in reports:
        row = rows.get(report.document)
        if row:
            report.agency = row.get("agency") or report.agency
            report.year = int(row["year"]) if row.get("year") else report.year
