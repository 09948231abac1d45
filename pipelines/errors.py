"""Errors that users see: each names the file, the place, the problem and the fix."""

from __future__ import annotations

from pathlib import Path

from pipelines.paths import display


class InputFileError(Exception):
    """A whole input file cannot be read; nothing from it is loaded."""

    def __init__(self, path: Path, problem: str, fix: str, line: int | None = None):
        self.path = Path(path)
        self.problem = problem
        self.fix = fix
        self.line = line
        where = display(self.path) + (f" line {line:,}" if line else "")
        super().__init__(f"{where}: {problem}. {fix}")


class ContractViolation(Exception):
    """Rows that passed the row rules broke the typed contract: a pipeline defect."""


class DiskFull(Exception):
    """A disk filled up while the warehouse or a release was written; what was written is removed."""


class DbtBuildFailed(Exception):
    """A dbt model or error-severity test failed; the message names each failed node with dbt's reason."""
