"""Dates in one format per language (FORMAT_MODULE_PATH): a page never mixes "01/05/2026" with
"Jan 5, 2026", whichever of Django's named formats a template asks for."""
