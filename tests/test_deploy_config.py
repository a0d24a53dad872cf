"""The documented settings, compose file and search attributes agree with the code."""

import runpy
import sys
from pathlib import Path

import pytest

CHECK = Path(__file__).resolve().parents[1] / "deploy" / "check_config.py"


def test_env_example_and_compose_name_every_setting_the_code_reads(capsys):
    sys.argv = [str(CHECK)]
    with pytest.raises(SystemExit) as ended:
        runpy.run_path(str(CHECK), run_name="__main__")
    assert ended.value.code == 0, capsys.readouterr().out
