"""plait's command line: ``plait web ...`` (also ``python -m plait web ...``).

`plait.cli.main.main` is the entry point; the rest of the package is private.
"""
