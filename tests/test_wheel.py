"""The wheel works on its own: built from the source tree, installed without ``-e`` (with its
dependencies) into a fresh venv, it answers a question from its packaged seeds with its
packaged prompts, run from outside the repo on an empty data dir.

Slow (minutes): the dependencies come from pip's cache (llama-cpp-python's wheel built by
``make install``), and the default model is assembled from the installed model wheels.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import AMAZON, REPO

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(1800)]

QUESTION = "2024年亚马逊的资本支出是多少?"

# what a source tree holds that a build never needs (and stale build/ output it must not reuse)
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    "test-artifacts",
    "*.whl",
    "*.gguf",
    ".rag",
)


def _run(cmd: list, timeout: float, **kw) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kw
    )
    assert out.returncode == 0, (
        f"{cmd} exited {out.returncode}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    )
    return out


def _clean_env(home: Path) -> dict[str, str]:
    """The environment without any RAG_* setting or path into the repo, data in ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env["RAG_HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    """(wheel, venv, outside dir, data dir): the built wheel installed in a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    src, dist, venv = tmp / "src", tmp / "dist", tmp / "venv"
    shutil.copytree(REPO, src, ignore=_NOT_SOURCE, symlinks=True)
    t0 = time.perf_counter()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, src], timeout=600)
    (wheel,) = dist.glob("rag_zh_news-*.whl")
    t1 = time.perf_counter()
    # no pip inside the new venv: this venv's pip installs into it (--python), saving its bootstrap
    _run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120)
    # llama-cpp-python may have to build from source: with the project's flags (no AMX),
    # exactly as `make` builds it, never the -march=native default
    cmake = _run([REPO / ".ci" / "llama-cmake-args"], timeout=30).stdout.strip()
    _run(
        [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", wheel],
        timeout=1200,
        env={**os.environ, "CMAKE_ARGS": cmake},
    )
    t2 = time.perf_counter()
    print(f"\nwheel built in {t1 - t0:.0f} s, installed with its dependencies in {t2 - t1:.0f} s")
    outside = tmp / "elsewhere"
    outside.mkdir()
    yield wheel, venv, outside, tmp / "rag-home"
    # the venv (~1-2 GB) and the assembled model (1.1 GB) are not worth keeping
    for big in (venv, tmp / "rag-home", src):
        shutil.rmtree(big, ignore_errors=True)


def test_wheel_holds_every_module_and_data_file(wheel_venv):
    wheel, *_ = wheel_venv
    names = set(zipfile.ZipFile(wheel).namelist())
    # every module and data file of rag/ (py.typed, rag/data …), the prompts and the seeds
    expected = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "rag").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    expected |= {f"rag/prompts/{p.name}" for p in (REPO / "prompts").glob("*.txt")}
    expected |= {f"rag/seeds/{p.name}" for p in (REPO / "seeds").glob("*.txt")}
    assert "rag/py.typed" in expected
    missing = expected - names
    assert not missing, f"not in the wheel (add to [tool.setuptools] in pyproject.toml): {missing}"
    assert {n.split("/")[1] for n in names if n.startswith("rag/") and n.count("/") > 1} >= {
        "ingest",
        "index",
        "answer",
        "models",
        "ui",
        "eval",
        "prompts",
        "seeds",
    }


def test_installed_package_reads_its_own_prompts_and_seeds(wheel_venv):
    _, venv, outside, home = wheel_venv
    code = (
        "import json, sysconfig, rag; from rag.config import get_settings; s = get_settings(); "
        "print(json.dumps([rag.__file__, str(s.prompts), str(s.seeds), "
        "sysconfig.get_paths()['purelib']]))"
    )
    out = _run([venv / "bin" / "python", "-c", code], 120, cwd=outside, env=_clean_env(home))
    module, prompts, seeds, site = map(Path, json.loads(out.stdout.strip().splitlines()[-1]))
    site = site.resolve()
    for path in (module, prompts, seeds):
        assert path.resolve().is_relative_to(site), f"{path} is not inside {site}"
        assert not path.resolve().is_relative_to(REPO), f"{path} is inside the repo"
    assert (prompts, seeds) == (site / "rag" / "prompts", site / "rag" / "seeds")
    assert sorted(p.name for p in prompts.glob("*.txt")) == sorted(
        p.name for p in (REPO / "prompts").glob("*.txt")
    )
    assert sorted(p.name for p in seeds.iterdir()) == sorted(
        p.name for p in (REPO / "seeds").iterdir() if not p.name.startswith(".")
    )


def test_installed_rag_answers_from_the_packaged_seeds(wheel_venv):
    _, venv, outside, home = wheel_venv
    t0 = time.perf_counter()
    out = _run(
        [venv / "bin" / "rag", "ask", QUESTION, "--json"], 1200, cwd=outside, env=_clean_env(home)
    )
    print(
        f"\nrag ask (index the seeds, assemble the model, answer) took {time.perf_counter() - t0:.0f} s"
    )
    answer = json.loads(out.stdout)
    assert not answer["abstained"], answer["text"]
    assert "777" in answer["text"], answer["text"]
    assert AMAZON in {c["source"] for c in answer["citations"]}, answer["citations"]
