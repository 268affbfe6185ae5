"""The weight of each page as the browser tests measured it, for the test command's summary."""

from __future__ import annotations

import pytest

LIMIT = 120 * 1024  # bytes a page may transfer, gzipped as GitHub Pages serves it; search index, favicon excepted
PAGE_WEIGHTS = pytest.StashKey[dict[str, tuple[int, int]]]()  # page -> (bytes transferred gzipped, bytes raw)


def summary(weights: dict[str, tuple[int, int]]) -> list[str]:
    lines = ["bytes each page transfers (HTML, CSS, JS, images, fonts; search index and favicon excluded), gzip / raw:"]
    for page, (gzipped, raw) in sorted(weights.items()):
        lines.append(f"  {page:<32} {gzipped / 1024:6.1f} KB / {raw / 1024:6.1f} KB")
    heaviest = max(weights, key=lambda page: weights[page][0])
    lines.append(f"largest: {heaviest} {weights[heaviest][0] / 1024:.1f} KB gzipped (limit {LIMIT // 1024} KB)")
    return lines
