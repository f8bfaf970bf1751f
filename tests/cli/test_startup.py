"""The CLI starts fast because heavy libraries load only inside commands."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "duckdb", "matplotlib", "pandera",
         "lifelines", "pyarrow", "openpyxl", "pydantic")


def test_importing_the_cli_loads_no_heavy_library():
    code = ("import sys, t1dtrial.cli; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == ""


def test_help_lists_every_command_group():
    out = subprocess.run([sys.executable, "-m", "t1dtrial", "--help"], check=True,
                         capture_output=True, text=True).stdout
    for command in ("protocol", "import", "history"):
        assert command in out
