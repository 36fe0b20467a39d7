"""recover: the standard tables of 政府信息公开工作年度报告, recovered cell by cell.

    import recover
    report = recover.recover_file("report.pdf")
    report.value("requests/new/total"), report.to_frame()

Every cell carries a status (printed / inferred / unknown), a confidence and the flags that
say why it may be wrong.  Unreadable input raises :class:`UnreadableDocumentError`.
"""
from importlib import import_module

from .errors import UnreadableDocumentError

__all__ = ["recover_file", "recover_text", "recover_bytes", "load_model", "Report", "CellResult",
           "UnreadableDocumentError", "ModelError"]
__version__ = "0.2.0"

# The rest loads on first use, so that `import recover` (and `recover --help`) starts at once.
_WHERE = {"recover_file": "pipeline", "recover_text": "pipeline", "recover_bytes": "pipeline",
          "load_model": "model", "ModelError": "model", "Report": "report", "CellResult": "cells"}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'recover' has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)


def __dir__():
    return sorted(set(globals()) | set(__all__))
