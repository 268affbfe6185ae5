"""Mutation check of the samples: which one-line changes do the rules still accept?

    python3 dev.py mutants [-k NAME] [-v]

Each sample's recorded run is changed in every single-line way: a line
deleted, a line duplicated, two neighbouring lines swapped. A mutation the
rules reject shows the sample is strict there. A mutation they accept must be
a freedom a rule declares on purpose:

- ``channel``: the two swapped lines belong to different processes;
- ``unordered``: the two swapped lines are in one unordered block;
- ``redact``: the two swapped lines read the same once values are redacted;
- ``count``: the deleted or duplicated line may occur a range of times;
- ``ignore``: the deleted or duplicated line is ignored.

Anything else the rules accept is listed as unexplained: a hole in the rules
that a broken program could slip through. tests/test_mutants.py requires none.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .matching import classify, match_output
from .programs import Program, discover
from .sample import Sample, parse_sample


@dataclass(frozen=True)
class Mutation:
    kind: str  # "delete", "duplicate" or "swap"
    index: int  # 0-based output line (the first of the two for a swap)

    def describe(self, sample: Sample) -> str:
        line = sample.file_line(self.index)
        if self.kind == "swap":
            return f"swap of lines {line} and {line + 1}"
        return f"{self.kind} of line {line}"


def mutations(output: list[str]) -> list[tuple[Mutation, list[str]]]:
    found = []
    for index in range(len(output)):
        found.append((Mutation("delete", index), output[:index] + output[index + 1 :]))
        found.append((Mutation("duplicate", index), output[: index + 1] + output[index:]))
        if index + 1 < len(output) and output[index] != output[index + 1]:
            swapped = output[:index] + [output[index + 1], output[index]] + output[index + 2 :]
            found.append((Mutation("swap", index), swapped))
    return found


def freedom(sample: Sample, mutation: Mutation) -> str | None:
    """The declared freedom that explains an accepted mutation, or None."""
    rules = sample.rules
    raw = sample.output[mutation.index]
    if any(rule.pattern.search(raw) for rule in rules.ignored):
        return "ignore"
    lines, _ = classify(sample.output, rules, 0)
    by_raw_index = {line.number: line for line in lines}
    line = by_raw_index.get(mutation.index)
    if mutation.kind in ("delete", "duplicate"):
        ranged = {count.template for count in rules.counts if count.high != count.low}
        if line is not None and line.text in ranged:
            return "count"
        family = line.stream.split("[")[0] if line is not None and "[" in line.stream else None
        alone = line is not None and sum(other.stream == line.stream for other in lines) == 1
        return "members" if family in rules.members and alone and mutation.kind == "delete" else None
    other = by_raw_index.get(mutation.index + 1)
    if line is None or other is None:
        return "ignore" if other is None else None
    if line.stream != other.stream:
        return "channel"
    if line.unordered and other.unordered:
        return "unordered"
    if line.text == other.text:
        return "redact"
    return None


@dataclass
class Report:
    program: Program
    total: int
    rejected: int
    explained: Counter[str]
    unexplained: list[str]


def check(program: Program, path: Path | None = None) -> Report:
    """The mutations of the program's sample (or of its variant at ``path``) and what its rules make of them."""
    path = path or program.sample_path
    sample = parse_sample(path)
    explained: Counter[str] = Counter()
    unexplained: list[str] = []
    rejected = 0
    every = mutations(sample.output)
    for mutation, changed in every:
        if match_output(sample, changed):
            rejected += 1
            continue
        reason = freedom(sample, mutation)
        if reason is None:
            unexplained.append(f"{path.name}: {mutation.describe(sample)} is accepted")
        else:
            explained[reason] += 1
    return Report(program, len(every), rejected, explained, unexplained)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 dev.py mutants", description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="names", action="append", default=[], help="only programs whose name contains this")
    options = parser.parse_args(argv)
    programs = [
        p
        for p in discover()
        if p.sample_path.exists() and (not options.names or any(n in p.name for n in options.names))
    ]
    width = max(len(program.name) for program in programs)
    print(f"{'program':<{width}}  mutants  rejected  accepted as a declared freedom")
    holes = 0
    for program in programs:
        report = check(program)
        freedoms = ", ".join(f"{count} {reason}" for reason, count in sorted(report.explained.items())) or "-"
        print(f"{program.name:<{width}}  {report.total:>7}  {report.rejected:>8}  {freedoms}")
        for hole in report.unexplained:
            print(f"    UNEXPLAINED {hole}")
        holes += len(report.unexplained)
    print(f"\n{holes} accepted mutation(s) no rule explains")
    return 1 if holes else 0


if __name__ == "__main__":
    sys.exit(main())
