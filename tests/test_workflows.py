"""The GitHub Actions workflow: audited by zizmor, pinned, and publishing only verified sites."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from harness import installs
from harness.running import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "docs.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def test_zizmor_finds_nothing_even_as_an_auditor() -> None:
    zizmor = Path(sys.executable).with_name("zizmor.exe" if sys.platform == "win32" else "zizmor")
    audit = subprocess.run(
        [str(zizmor), "--offline", "--persona=auditor", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_every_action_is_pinned_by_commit() -> None:
    jobs = load()["jobs"]
    uses = [step["uses"] for job in jobs.values() for step in job.get("steps", []) if "uses" in step]
    assert uses, "the workflow uses no actions: the test would prove nothing"
    unpinned = [action for action in uses if not PINNED.match(action)]
    assert not unpinned, f"{WORKFLOW.relative_to(ROOT)}: pin these by a 40-character commit SHA: {unpinned}"


def test_every_pin_names_the_exact_release_of_its_commit() -> None:
    """`# v7` names a tag that moves; the comment must name the release the SHA was taken from."""
    pins = re.findall(r"uses: (\S+@[0-9a-f]{40})(.*)$", WORKFLOW.read_text(encoding="utf-8"), re.M)
    assert pins, "no pinned action found: the test would prove nothing"
    vague = [f"{action}{comment}" for action, comment in pins if not re.fullmatch(r" # v\d+\.\d+\.\d+", comment)]
    assert not vague, f"{WORKFLOW.relative_to(ROOT)}: name the exact tag (# vX.Y.Z) after these pins: {vague}"


def test_a_deploy_running_on_main_is_never_cancelled() -> None:
    concurrency = load()["concurrency"]
    assert concurrency["cancel-in-progress"] == "${{ github.ref != 'refs/heads/main' }}"


def test_permissions_are_granted_per_job_and_only_deploy_writes() -> None:
    workflow = load()
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        granted = job["permissions"]
        if name == "deploy":
            assert granted == {"pages": "write", "id-token": "write"}
        else:
            assert granted == {"contents": "read"}, name


def test_deploy_runs_only_for_main_after_verification() -> None:
    jobs = load()["jobs"]
    deploy = jobs["deploy"]
    assert set(deploy["needs"]) == set(jobs) - {"deploy"}
    assert deploy["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def test_programs_run_on_every_claimed_platform_and_version() -> None:
    matrix = load()["jobs"]["programs"]["strategy"]["matrix"]
    assert set(matrix["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert matrix["python"] == [f"{major}.{minor}" for major, minor in installs.MATRIX]


def test_ci_calls_the_readme_test_command() -> None:
    command = "python3 dev.py check"
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_published_site_is_built_for_its_pages_address() -> None:
    """Without site_url the 404 page links to /assets/..., outside the /<repository>/ folder Pages serves."""
    steps = load()["jobs"]["site"]["steps"]
    build = [step for step in steps if step.get("run") == "python3 dev.py build"]
    assert len(build) == 1, "the site job must build the site once, with python3 dev.py build"
    assert "github.event.repository.name" in build[0]["env"]["SITE_URL"]
    assert "site_url: !ENV SITE_URL" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_a_failing_programs_cell_uploads_what_failed() -> None:
    """A failing cell's log is tens of thousands of lines: its JUnit report says which runs failed, and how."""
    steps = load()["jobs"]["programs"]["steps"]
    checks = [step for step in steps if "dev.py check" in step.get("run", "")]
    assert len(checks) == 1 and "--junitxml=test-artifacts/junit.xml" in checks[0]["run"]
    uploads = [step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@")]
    on_failure = [step for step in uploads if step.get("if") == "failure()"]
    assert len(on_failure) == 1 and on_failure[0]["with"]["path"] == "test-artifacts/junit.xml"
