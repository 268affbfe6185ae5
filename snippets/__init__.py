"""Every program shown on the site: run each with ``python -m snippets.<guide>.<program>``."""
