"""The one exception the library raises for a document it cannot read, and the reasons it gives."""

# Every reason a document is not read, machine-readable, with what it means; ``str(error)``
# says the particular case in a sentence a user understands.
REASONS = {
    "empty": "the file is empty",
    "missing": "no file at the path (moved, deleted, or a link to nowhere)",
    "not_a_file": "a folder, named pipe or device, not a file",
    "unreadable_file": "the operating system would not let the file be read",
    "too_large": "too large (bytes, pages, page size or pixels) to be one report",
    "encrypted": "protected by a password",
    "corrupt": "damaged or incomplete: not a readable file of its kind",
    "unsupported_format": "a format recover does not read (legacy Office, RTF, binary data)",
    "needs_software": "needs software that is not installed (a reader's library)",
    "not_a_report": "a readable document, but none of the three standard tables is in it",
}


class UnreadableDocumentError(Exception):
    """The input cannot be read as a report.  ``reason`` is one of :data:`REASONS` (``"empty"``,
    ``"encrypted"``, ``"corrupt"``, ``"not_a_report"``, ``"too_large"``, …) for a program to act
    on; ``str(error)`` says which case, in a sentence a user understands."""

    def __init__(self, message: str, *, reason: str):
        if reason not in REASONS:
            raise ValueError(f"{reason!r} is not one of recover.errors.REASONS")
        super().__init__(message)
        self.reason = reason

    def __reduce__(self):  # errors cross process boundaries in a batch: keep the reason
        return _rebuild, (str(self), self.reason)


def _rebuild(message: str, reason: str) -> "UnreadableDocumentError":
    return UnreadableDocumentError(message, reason=reason)
