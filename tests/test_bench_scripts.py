"""Every benchmark script still imports what it uses: ``make bench`` once failed at its first
line after a function it imported moved (rag.eval.run.load_set → rag.eval.sets.load_items)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))


def test_there_are_bench_scripts():
    assert any(p.name == "bench.py" for p in SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_a_bench_script_loads_without_running(script):
    # its top level only (imports, constants): main() runs under "__main__" alone. In a child
    # process, as the scripts put bench/ and the repository on sys.path themselves.
    code = (
        "import runpy, sys; sys.path.insert(0, sys.argv[1]); "
        "runpy.run_path(sys.argv[2], run_name='bench_import_check')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(BENCH), str(script)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
