"""recover: the standard tables of 政府信息公开工作年度报告, recovered cell by cell.

    import recover
    report = recover.recover_file("report.pdf")
    report.value("requests/new/total"), report.to_frame()

Every cell carries a status (printed / inferred / unknown), a confidence and the flags that
say why it may be wrong.  Unreadable input raises :class:`UnreadableDocumentError`.
"""
from .cells import CellResult
from .errors import UnreadableDocumentError
from .model import ModelError, load_model
from .pipeline import recover_bytes, recover_file, recover_text
from .report import Report

__all__ = ["recover_file", "recover_text", "recover_bytes", "load_model", "Report", "CellResult",
           "UnreadableDocumentError", "ModelError"]
__version__ = "0.1.0"
