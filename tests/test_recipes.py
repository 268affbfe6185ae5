"""The recipes' docstring examples run, print what their `#>` lines say, and pass ruff at the site's width.

The examples run in this process (pytest-examples): they use a queue within
one process, which is what they show. Programs with several processes go
through the subprocess harness instead.
"""

from __future__ import annotations

import inspect

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples

from harness.running import ROOT
from snippets import recipes

EXAMPLES = list(find_examples(str(ROOT / "snippets" / "recipes.py")))


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_docstring_example(example: CodeExample, eval_example: EvalExample) -> None:
    eval_example.set_config(line_length=88, target_version="py310")
    eval_example.lint_ruff(example)
    eval_example.run_print_check(example)


def test_every_recipe_has_an_example() -> None:
    public = [
        name for name, value in inspect.getmembers(recipes, inspect.isfunction) if value.__module__ == recipes.__name__
    ]
    without = [
        name for name in public if not any(f"import {name}" in ex.source or f", {name}" in ex.source for ex in EXAMPLES)
    ]
    assert len(public) >= 5 and not without, f"recipes without a docstring example that imports them: {without}"
