"""The one exception the library raises for a document it cannot read."""


class UnreadableDocumentError(Exception):
    """The input cannot be read as a report: empty, corrupt, encrypted with a password,
    binary junk, or holding none of the standard tables.  ``str(error)`` says which, in a
    sentence a user understands."""
