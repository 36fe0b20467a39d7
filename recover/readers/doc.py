"""Legacy Word and WPS files (.doc, .wps: the binary format inside an OLE compound file) → lines
of cells: LibreOffice converts the file to .docx, which :mod:`.docx` reads.

LibreOffice runs headless, with a profile of its own made for the one conversion (two workers may
convert at once), and in a session of its own, killed whatever happens: a file that hangs it costs
its document, not the batch.  Its default macro security runs no macro of the file.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import UnreadableDocumentError
from ..layout import Layout

# A report converts in a few seconds (most of it LibreOffice starting); a file that takes longer
# is not one.
CONVERT_SECONDS = 120
# The stream an OLE file holds its Word (or WPS) text in, as its directory names it.
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def is_word(data: bytes) -> bool:
    """Whether an OLE compound file holds a Word or WPS document (not a workbook, a slide deck or
    a mail)."""
    return _WORD_STREAM in data


def read(data: bytes) -> list[Layout]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UnreadableDocumentError("a legacy Word/WPS file (.doc/.wps): recover reads it with LibreOffice, which is "
                                      "not installed (apt-get install libreoffice-writer-nogui); or save it as .docx "
                                      "or PDF", reason="unsupported_format")
    from . import docx

    with tempfile.TemporaryDirectory(prefix="recover-doc-") as work:
        source = Path(work, "document.doc")
        source.write_bytes(data)
        _convert(soffice, source, Path(work))
        converted = source.with_suffix(".docx")
        if not converted.exists():
            raise UnreadableDocumentError("LibreOffice could not open this legacy Word/WPS file: damaged, or not a "
                                          "document", reason="corrupt")
        layouts = docx.read(converted.read_bytes())
    return [dataclasses.replace(layout, kind="doc") if layout.kind == "docx" else layout for layout in layouts]


def _convert(soffice: str, source: Path, work: Path) -> None:
    process = subprocess.Popen(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={(work / 'profile').as_uri()}",
         "--convert-to", "docx", "--outdir", str(work), str(source)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout=CONVERT_SECONDS)
    except subprocess.TimeoutExpired:
        raise UnreadableDocumentError(f"LibreOffice took longer than {CONVERT_SECONDS} s to convert this legacy "
                                      "Word/WPS file", reason="corrupt") from None
    finally:  # LibreOffice's own processes too, also when the document's time is up meanwhile
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
