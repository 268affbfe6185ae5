"""Starting processes outside `if __name__ == "__main__":` fails under spawn.

spawn and forkserver children import the main module before they run their
target. Without the guard, that import runs the code below again, inside
the child, which would start a child of its own: multiprocessing refuses
with RuntimeError, the child exits with code 1, and its target never runs.
fork does not import anything, so the same code works there.
"""

import multiprocessing as mp

for context in (
    mp.get_context("spawn"),
    mp.get_context("forkserver"),
    mp.get_context("fork"),
):
    method = context.get_start_method()
    child = context.Process(target=print, args=(f"{method} child: hello",))
    child.start()
    child.join()
    print(
        f"main: the {method} child exited with code {child.exitcode}",
        flush=True,
    )
