"""Mutation check of the samples: which changes of a recorded run do the rules still accept?

    python3 dev.py mutants [-k NAME] [-v]

Each sample's recorded run is changed in every single-line way: a line
deleted, a line duplicated, two neighbouring lines swapped; and each value a
``redact`` rule hides is changed to a wrong one of the same form (each digit
moved by 5: "0.38 s" becomes "5.83 s", a word is reversed). A change the rules
reject shows the sample is strict there. A change they accept must be a
freedom a rule declares on purpose:

- ``channel``: the two swapped lines belong to different processes;
- ``unordered``: the two swapped lines are in one unordered block;
- ``count``: the deleted or duplicated line may occur a range of times;
- ``ignore``: the deleted or duplicated line is ignored;
- ``members``: the deleted line was a whole member of a family that may have fewer;
- ``free``: the changed value, or the values two swapped lines differ in, carry no claim
  (``free {name} REASON``: a PID, a port, a time stamp);
- ``increasing``: the swapped lines hold items of two sequences (``increasing {name}``:
  within one, a swap is rejected);
- ``range``: the changed value is still within the bounds a ``range`` rule declares;
- ``verdict``: the program checks those values itself and prints a line that every
  run must print as it is (``verdict "LINE" checks {name}``).

A wrong value that ``range``, ``same`` or ``increasing`` rules catch is
rejected, like any other change. Anything else the rules accept is listed as unexplained: a
wrong output the sample would pass. tests/test_mutants.py requires none.
With ``-v`` every accepted change is listed, with the rule that allows it.
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
    kind: str  # "delete", "duplicate", "swap" or "value"
    index: int  # 0-based output line (the first of the two for a swap)
    placeholder: str = ""  # for "value": the redacted value changed
    old: str = ""
    new: str = ""

    def describe(self, sample: Sample) -> str:
        line = sample.file_line(self.index)
        if self.kind == "swap":
            return f"swap of lines {line} and {line + 1}"
        if self.kind == "value":
            return f"line {line} with {self.placeholder} {self.old.strip()!r} changed to {self.new.strip()!r}"
        return f"{self.kind} of line {line}"


def wrong(value: str) -> str:
    """A wrong value of the same form: each digit moved by 5, or, with no digit, the text reversed."""
    if any(character.isdigit() for character in value):
        return "".join(str((int(c) + 5) % 10) if c.isdigit() else c for c in value)
    reversed_value = value[::-1]
    return reversed_value if reversed_value != value else value + "x"


def value_mutations(sample: Sample) -> list[tuple[Mutation, list[str]]]:
    """Each value a redact rule hides in the recorded run, changed to a wrong one in its line alone."""
    found = []
    for index, raw in enumerate(sample.output):
        for redaction in sample.rules.redactions:
            for match in redaction.pattern.finditer(raw):
                old = match.group(0)
                new = wrong(old)
                if new == old:
                    continue
                changed = raw[: match.start()] + new + raw[match.end() :]
                mutation = Mutation("value", index, redaction.placeholder, old, new)
                found.append((mutation, sample.output[:index] + [changed] + sample.output[index + 1 :]))
    return found


def mutations(output: list[str]) -> list[tuple[Mutation, list[str]]]:
    found = []
    for index in range(len(output)):
        found.append((Mutation("delete", index), output[:index] + output[index + 1 :]))
        found.append((Mutation("duplicate", index), output[: index + 1] + output[index:]))
        if index + 1 < len(output) and output[index] != output[index + 1]:
            swapped = output[:index] + [output[index + 1], output[index]] + output[index + 2 :]
            found.append((Mutation("swap", index), swapped))
    return found


def differs_in_values_alone(sample: Sample, mutation: Mutation) -> bool:
    """Whether a swap's two lines read the same once their values are redacted."""
    if mutation.kind != "swap":
        return False
    lines, _ = classify(sample.output, sample.rules, 0)
    texts = {line.number: line.text for line in lines}
    return texts.get(mutation.index) is not None and texts.get(mutation.index) == texts.get(mutation.index + 1)


def value_freedom(sample: Sample, placeholders: set[str]) -> tuple[str, int] | None:
    """Whether ``free`` or ``verdict`` rules declare every one of these values: (freedom, rule line), or None."""
    rules = sample.rules
    if not placeholders:
        return None
    if placeholders <= rules.free.keys():
        return "free", rules.free[sorted(placeholders)[0]][1]
    covering = [verdict for verdict in rules.verdicts if placeholders <= set(verdict.placeholders) | rules.free.keys()]
    return ("verdict", covering[0].line) if covering else None


def rule_line(sample: Sample, reason: str, mutation: Mutation) -> int:
    """The line of the rule that grants ``reason`` for this mutation (0 where none is one line)."""
    rules = sample.rules
    raw = sample.output[mutation.index]
    if reason == "ignore":
        return next((rule.line for rule in rules.ignored if rule.pattern.search(raw)), 0)
    if reason == "unordered":
        return next((rule.line for rule in rules.unordered if rule.pattern.search(raw)), 0)
    if reason == "channel":
        return next((channel.line for channel in rules.channels if channel.pattern.search(raw)), 0)
    if reason == "count":
        lines, _ = classify(sample.output, rules, 0)
        text = next((line.text for line in lines if line.number == mutation.index), None)
        return next((count.line for count in rules.counts if count.template == text), 0)
    if reason == "range":
        return next((bound.line for bound in rules.ranges if bound.placeholder == mutation.placeholder), 0)
    if reason == "increasing":
        return min(rules.increasing.values())
    return 0


def freedom(sample: Sample, mutation: Mutation) -> str | None:
    """The declared freedom that explains an accepted mutation, or None."""
    rules = sample.rules
    raw = sample.output[mutation.index]
    if mutation.kind == "value":
        declared = value_freedom(sample, {mutation.placeholder})
        if declared is None and any(bound.placeholder == mutation.placeholder for bound in rules.ranges):
            return "range"  # the changed value is within the bounds: a run may print it
        return declared[0] if declared else None
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
    if line.text == other.text:  # they differ in redacted values alone: is their order free?
        differing = {name for name, values in line.values.items() if values != other.values.get(name)}
        if differing and differing <= rules.increasing.keys():
            return "increasing"  # two sequences' items: one sequence's the matcher rejected
        declared = value_freedom(sample, differing)
        return declared[0] if declared else None
    return None


@dataclass
class Report:
    program: Program
    total: int
    rejected: int
    explained: Counter[str]
    unexplained: list[str]
    accepted: list[str]  # every accepted change, with the freedom that allows it and the rule's line


def check(program: Program, path: Path | None = None) -> Report:
    """The mutations of the program's sample (or of its variant at ``path``) and what its rules make of them."""
    path = path or program.sample_path
    sample = parse_sample(path)
    explained: Counter[str] = Counter()
    unexplained: list[str] = []
    accepted: list[str] = []
    rejected = 0
    every = mutations(sample.output) + value_mutations(sample)
    for mutation, changed in every:
        if match_output(sample, changed):
            rejected += 1
            continue
        reason = freedom(sample, mutation)
        if reason is None:
            fix = (
                "bound it with `range`, tie it to another line with `same`, have the program check it and "
                "declare its `verdict` line, or declare it `free` with the reason"
                if mutation.kind == "value" or differs_in_values_alone(sample, mutation)
                else "make the rules stricter there"
            )
            unexplained.append(f"{path.name}: {mutation.describe(sample)} is accepted: {fix}")
            accepted.append(f"{path.name}: {mutation.describe(sample)}: no rule declares it")
        else:
            explained[reason] += 1
            declared = value_freedom(sample, {mutation.placeholder}) if mutation.kind == "value" else None
            line = declared[1] if declared else rule_line(sample, reason, mutation)
            accepted.append(f"{path.name}: {mutation.describe(sample)}: {reason}" + (f" (line {line})" if line else ""))
    return Report(program, len(every), rejected, explained, unexplained, accepted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 dev.py mutants", description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="names", action="append", default=[], help="only programs whose name contains this")
    parser.add_argument("-v", dest="verbose", action="store_true", help="list every accepted change and its rule")
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
        for accepted in report.accepted if options.verbose else []:
            print(f"    accepted: {accepted}")
        for hole in report.unexplained:
            print(f"    UNEXPLAINED {hole}")
        holes += len(report.unexplained)
    print(f"\n{holes} accepted mutation(s) no rule explains")
    return 1 if holes else 0


if __name__ == "__main__":
    sys.exit(main())
