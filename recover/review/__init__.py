"""Reviewing a batch in the browser: the web application (:mod:`.app`, needs the ``review``
extra), and the decisions it records and applies to the batch's outputs (:mod:`.corrections`)."""
