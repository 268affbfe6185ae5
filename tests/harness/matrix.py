"""The verification matrix: one row per program, one column per interpreter and start method."""

from __future__ import annotations

MARKS = {"passed": "ok", "failed": "FAIL", "skipped": "skip"}


def matrix_table(outcomes: dict[tuple[str, str, str], str], versions: list[str], methods: list[str]) -> list[str]:
    """Lines of a table of ``outcomes[(program, version, method)]`` ('passed', 'failed' or 'skipped')."""
    programs = sorted({program for program, _, _ in outcomes})
    if not programs:
        return []
    width = max(len(program) for program in programs)
    cell = max(len(method) for method in methods) + 1
    group = cell * len(methods)
    lines = [
        " " * width + " |" + "|".join(f"{'CPython ' + version:^{group}}" for version in versions),
        f"{'program':<{width}} |" + "|".join("".join(f"{method:>{cell}}" for method in methods) for _ in versions),
    ]
    lines.append("-" * len(lines[1]))
    for program in programs:
        groups = [
            "".join(f"{MARKS.get(outcomes.get((program, version, method), ''), '-'):>{cell}}" for method in methods)
            for version in versions
        ]
        lines.append(f"{program:<{width}} |" + "|".join(groups))
    counts = {mark: sum(outcome == name for outcome in outcomes.values()) for name, mark in MARKS.items()}
    lines.append(f"{counts['ok']} ok, {counts['FAIL']} failed, {counts['skip']} skipped; - means not run")
    return lines
