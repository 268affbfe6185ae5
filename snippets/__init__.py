"""Every program shown on the site.

Run one with ``python -m snippets.<guide>.<program>``.
"""
