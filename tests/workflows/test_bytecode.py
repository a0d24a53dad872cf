"""The worker writes its workflow modules' bytecode at start, so the sandbox, which imports a
workflow's module again for every new run, loads it instead of compiling the source each time."""

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

from workflows.bytecode import write_bytecode


def test_the_bytecode_of_a_workflow_module_is_written_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bench_wf_module.py").write_text("class SomeWorkflow:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as PYTHONDONTWRITEBYTECODE=1
    module = importlib.import_module("bench_wf_module")
    cached = Path(importlib.util.cache_from_source(str(tmp_path / "bench_wf_module.py")))
    assert not cached.exists()

    assert write_bytecode([module.SomeWorkflow]) == 1
    assert cached.exists()
    assert write_bytecode([module.SomeWorkflow]) == 0  # current: nothing to do
    sys.modules.pop("bench_wf_module", None)
