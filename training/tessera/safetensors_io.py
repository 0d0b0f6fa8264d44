"""A small safetensors writer and reader (F32, F16, BF16), byte-compatible with Hugging Face's.

Layout: u64 little-endian header length, JSON header {name: {dtype, shape, data_offsets},
"__metadata__": {str: str}} padded with spaces to a multiple of 8 bytes, then the tensors
back to back in name order. Output is deterministic, so its sha256 identifies the weights.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple, Union

import numpy as np
import torch

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
ITEMSIZE = {"F32": 4, "F16": 2, "BF16": 2}
MAX_HEADER_BYTES = 100_000_000


class SafetensorsError(ValueError):
    pass


def _raw_bytes(tensor: torch.Tensor) -> bytes:
    t = tensor.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2", copy=False).tobytes()
    little = {torch.float32: "<f4", torch.float16: "<f2"}[t.dtype]
    return t.numpy().astype(little, copy=False).tobytes()


def serialize(tensors: Mapping[str, torch.Tensor],
              metadata: Optional[Mapping[str, str]] = None) -> bytes:
    header: Dict[str, object] = {}
    if metadata:
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise SafetensorsError(f"metadata must map str to str, got {key!r}: {value!r}")
        header["__metadata__"] = dict(sorted(metadata.items()))
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if name == "__metadata__":
            raise SafetensorsError("a tensor cannot be named __metadata__")
        if t.dtype not in DTYPES:
            raise SafetensorsError(f"{name}: dtype {t.dtype} is not F32, F16 or BF16")
        data = _raw_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save_file(tensors: Mapping[str, torch.Tensor], path: Union[str, Path],
              metadata: Optional[Mapping[str, str]] = None) -> bytes:
    data = serialize(tensors, metadata)
    Path(path).write_bytes(data)
    return data


def parse_header(data: bytes) -> Tuple[Dict[str, dict], Dict[str, str], int]:
    """(tensor entries, metadata, byte offset of the data section); checks every entry."""
    if len(data) < 8:
        raise SafetensorsError(f"file is {len(data)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise SafetensorsError(f"header length {n} does not fit in a {len(data)}-byte file")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorsError("header must be a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise SafetensorsError("__metadata__ must map str to str")
    start = 8 + n
    body = len(data) - start
    spans = []
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise SafetensorsError(f"{name}: entry must have exactly dtype, shape, data_offsets")
        dtype, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in ITEMSIZE:
            raise SafetensorsError(f"{name}: dtype {dtype!r} is not F32, F16 or BF16")
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise SafetensorsError(f"{name}: shape {shape} must be non-negative integers")
        if not 0 <= begin <= end <= body:
            raise SafetensorsError(f"{name}: data_offsets [{begin}, {end}] outside the "
                                   f"{body}-byte data section")
        if end - begin != int(np.prod(shape, dtype=np.int64)) * ITEMSIZE[dtype]:
            raise SafetensorsError(f"{name}: {end - begin} bytes for shape {shape} {dtype}")
        spans.append((begin, end, name))
    spans.sort()
    cursor = 0
    for begin, end, name in spans:
        if begin != cursor:
            raise SafetensorsError(f"{name}: data starts at {begin}, expected {cursor} "
                                   "(tensors must be contiguous, without gaps or overlap)")
        cursor = end
    if cursor != body:
        raise SafetensorsError(f"{body - cursor} trailing bytes after the last tensor")
    return header, metadata, start


def deserialize(data: bytes) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    header, metadata, start = parse_header(data)
    tensors = {}
    for name, entry in header.items():
        begin, end = (start + o for o in entry["data_offsets"])
        raw = np.frombuffer(data, dtype=np.uint8, count=end - begin, offset=begin)
        dtype = entry["dtype"]
        if dtype == "BF16":
            t = torch.from_numpy(raw.view("<i2").copy()).view(torch.bfloat16)
        else:
            t = torch.from_numpy(raw.view({"F32": "<f4", "F16": "<f2"}[dtype]).astype(
                {"F32": np.float32, "F16": np.float16}[dtype]))
        tensors[name] = t.reshape(entry["shape"])
    return tensors, metadata


def load_file(path: Union[str, Path]) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    return deserialize(Path(path).read_bytes())
