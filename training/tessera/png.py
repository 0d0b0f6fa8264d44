"""A minimal PNG writer (8-bit RGB), so sample grids need no imaging library."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png(path: str, image: np.ndarray) -> None:
    """image: (H, W, 3) uint8."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected (H, W, 3) uint8, got {image.shape} {image.dtype}")
    h, w, _ = image.shape
    rows = np.concatenate([np.zeros((h, 1), np.uint8), image.reshape(h, w * 3)], axis=1)  # filter 0
    png = b"\x89PNG\r\n\x1a\n"
    png += _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
    png += _chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def clip_grid(clips: np.ndarray, scale: int = 2, gap: int = 1) -> np.ndarray:
    """clips: (rows, T, H, W, 3) uint8 → one image, a clip per row, frames left to right."""
    rows, t, h, w, _ = clips.shape
    big = clips.repeat(scale, axis=2).repeat(scale, axis=3)  # nearest upscaling
    hh, ww = h * scale, w * scale
    out = np.full((rows * (hh + gap) + gap, t * (ww + gap) + gap, 3), 255, np.uint8)
    for r in range(rows):
        for f in range(t):
            y, x = gap + r * (hh + gap), gap + f * (ww + gap)
            out[y:y + hh, x:x + ww] = big[r, f]
    return out
