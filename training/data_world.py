"""Reads a physics-world dataset written by scripts/world-dataset.ts.

DIR/clips.u8   raw uint8, (count, frames, height, width, 3): clip-major, row-major RGB.
DIR/meta.json  format "tessera-world-dataset", version 1, count, frames, height, width,
               channels, seed, substeps, vocabulary, captions[count],
               scenes[count] {gravity, balls: [{colour, radius, x, y, vx, vy}]},
               states[count][frames][ball] = [x, y, vx, vy] (px, px/frame; rounded to 1e-3).
States live in meta.json (about 1 kB per clip); there is no separate states file.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Tuple

import numpy as np

FORMAT = "tessera-world-dataset"
VERSION = 1


def load_world_dataset(directory: str, mmap: bool = False) -> Tuple[np.ndarray, Dict[str, Any]]:
    """(clips uint8 (N, T, H, W, 3), meta); mmap=True maps clips.u8 read-only instead of reading it."""
    with open(os.path.join(directory, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ValueError(f"{directory} is not a {FORMAT} version {VERSION} dataset "
                         f"(format {meta.get('format')!r}, version {meta.get('version')!r})")
    shape = (meta["count"], meta["frames"], meta["height"], meta["width"], meta["channels"])
    path = os.path.join(directory, "clips.u8")
    expected = int(np.prod(shape))
    actual = os.path.getsize(path)
    if actual != expected:
        raise ValueError(f"{path} holds {actual} bytes; meta.json says {shape} = {expected}")
    for key in ("captions", "scenes", "states"):
        if len(meta[key]) != meta["count"]:
            raise ValueError(f"meta.json has {len(meta[key])} {key} for {meta['count']} clips")
    if mmap:
        clips = np.memmap(path, dtype=np.uint8, mode="r", shape=shape)
    else:
        clips = np.fromfile(path, dtype=np.uint8).reshape(shape)
    return clips, meta
