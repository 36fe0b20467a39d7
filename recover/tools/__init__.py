"""The tooling beside the product: synthetic reports (:mod:`.synth`) and their labelling
(:mod:`.labelling`), renderers to Word, PDF and scans (:mod:`.render`), and the hostile corpus
(:mod:`.hostile`).  Nothing in the product path imports this package; the renderers need the
``tools`` extra (reportlab)."""
