"""Milliseconds of one DiT forward in PyTorch on the CPU: the native reference for bench/backends.ts.

    OMP_NUM_THREADS=1 python3 training/bench_forward.py --model public/models/balls-s-teacher \
        --inputs forward.bin [--runs 5] [--warmup 2] [--threads 1]

--inputs holds x (N, Cin, T, H, W) float32, t (N) float32 and y (N, K) int32, little-endian and
back to back (the batch N is read from the file size), so both languages time the same forward.
Prints one JSON line: {"milliseconds": [...], "median": ..., "threads": ..., "batch": ...}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tessera` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import torch

from tessera.export import load_model_folder


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", type=Path, required=True, help="model folder (config.json, model.safetensors)")
    p.add_argument("--inputs", type=Path, required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    config, dit, _ = load_model_folder(args.model)
    dit.eval()
    cin, k = config.in_channels, config.text.max_tokens
    per_item = cin * int(np.prod(config.latent_shape[1:]))
    raw = args.inputs.read_bytes()
    n = len(raw) // (4 * (per_item + 1 + k))
    if n * 4 * (per_item + 1 + k) != len(raw):
        raise ValueError(f"{args.inputs}: {len(raw)} bytes is no whole batch for this model")
    x = np.frombuffer(raw, "<f4", n * per_item, 0).reshape(n, cin, *config.latent_shape[1:])
    t = np.frombuffer(raw, "<f4", n, 4 * n * per_item)
    y = np.frombuffer(raw, "<i4", n * k, 4 * n * (per_item + 1)).reshape(n, k)
    x, t, y = torch.from_numpy(x.copy()), torch.from_numpy(t.copy()), torch.from_numpy(y.astype(np.int64))

    times = []
    with torch.no_grad():
        for i in range(args.warmup + args.runs):
            start = time.perf_counter()
            dit(x, t, y)
            if i >= args.warmup:
                times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"milliseconds": times, "median": statistics.median(times),
                      "threads": torch.get_num_threads(), "batch": n,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
