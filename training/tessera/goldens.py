"""Golden activations from the PyTorch model, for the TypeScript reference and the WGSL kernels.

    python3 training/tessera/goldens.py --preset tiny --out tests/fixtures/tiny
    python3 training/tessera/goldens.py --preset balls-s --out tests/fixtures/generated/balls-s
    python3 training/tessera/goldens.py --prng tests/fixtures/prng.json

Writes config.json + model.safetensors (F32; seeded random weights with nothing zero, or
--model DIR for trained ones) + model.onnx (the same denoiser), goldens.json (index and scenario inputs) and goldens.bin (raw
little-endian tensors). Every scenario runs twice, in float32 and in float64 PyTorch on the
same weights and inputs, under "float32/..." and "float64/...". Layout: docs/model-format.md.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional

if __package__ in (None, ""):  # run as a script: make `tessera` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
import torch.nn as nn

from tessera import prng
from tessera.autoencoder import Autoencoder
from tessera.config import ModelConfig, preset
from tessera.export import build, load_model_folder, write_model_folder
from tessera.model import DiT, TimestepEmbedder
from tessera.sampling import context_channels, frame_mask, sample, timesteps
from tessera.tokenizer import null_tokens, tokenize

WEIGHT_SEED = 20240601
SEEDS = {"forward.x": 1, "forward.context": 2, "ae.pixels": 3, "sample.noise": 4}
FORWARD_T = [0.8125, 0.25]
PRECISIONS = {"float32": torch.float32, "float64": torch.float64}


def randomize(module: nn.Module, seed: int) -> None:
    """Seeded weights with no zeros (adaLN-Zero would hide every block behind zero gates)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(module.named_parameters()):
            r = torch.randn(p.shape, generator=g, dtype=torch.float64)
            if p.dim() > 1:
                p.copy_(r * p[0].numel() ** -0.5)  # unit-variance outputs for unit inputs
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * r)
            else:
                p.copy_(0.1 * r)


class Goldens:
    """Collects named tensors into one binary blob with a JSON index."""

    def __init__(self) -> None:
        self.index: Dict[str, dict] = {}
        self.chunks: List[bytes] = []
        self.offset = 0

    def add(self, name: str, tensor: torch.Tensor) -> None:
        if name in self.index:
            raise KeyError(f"golden {name} written twice")
        t = tensor.detach().cpu()
        kind = "f64" if t.dtype == torch.float64 else "f32"
        data = t.numpy().astype("<f8" if kind == "f64" else "<f4").tobytes()
        self.index[name] = {"dtype": kind, "shape": list(t.shape), "offset": self.offset}
        self.chunks.append(data)
        self.offset += len(data)
        pad = -self.offset % 8  # every tensor starts 8-byte aligned for Float64Array views
        self.chunks.append(b"\0" * pad)
        self.offset += pad

    def write(self, out: Path, info: dict) -> None:
        (out / "goldens.bin").write_bytes(b"".join(self.chunks))
        doc = {**info, "data": "goldens.bin", "tensors": self.index}
        (out / "goldens.json").write_text(json.dumps(doc, indent=1) + "\n")


@contextlib.contextmanager
def capture(root: nn.Module, names: List[str]) -> Iterator[Dict[str, torch.Tensor]]:
    """Records the output of each named submodule during the block."""
    outputs: Dict[str, torch.Tensor] = {}
    modules = dict(root.named_modules())
    hooks = [modules[n].register_forward_hook(
        lambda _m, _i, out, n=n: outputs.__setitem__(n, out)) for n in names]
    try:
        yield outputs
    finally:
        for h in hooks:
            h.remove()


def dit_names(depth: int) -> List[str]:
    names = ["x_embedder", "t_embedder", "y_embedder"]
    for i in range(depth):
        names += [f"blocks.{i}.adaLN_modulation", f"blocks.{i}.attn.qkv", f"blocks.{i}.attn",
                  f"blocks.{i}.mlp", f"blocks.{i}"]
    return names + ["final_layer"]


def ae_names(levels: int) -> List[str]:
    enc = ["encoder.conv_in"] + [f"encoder.down.{i}" for i in range(levels)]
    dec = ["decoder.conv_in"] + [f"decoder.up.{i}" for i in range(levels)]
    return (enc + ["encoder.norm_out", "encoder.conv_out"]
            + dec + ["decoder.norm_out", "decoder.conv_out"])


def record_forward(g: Goldens, prefix: str, dit: DiT, x: torch.Tensor, t: torch.Tensor,
                   y: torch.Tensor) -> None:
    config = dit.config
    with torch.no_grad(), capture(dit, dit_names(config.depth)) as out:
        velocity = dit(x, t, y)
        g.add(f"{prefix}.pos_embed", dit.pos_embed(config.grid, x.dtype))
        g.add(f"{prefix}.t_freq", TimestepEmbedder.timestep_embedding(t * 1000, 256))
        g.add(f"{prefix}.y_pooled", dit.y_embedder.pool(y))
    for name in dit_names(config.depth):
        g.add(f"{prefix}.{name}", out[name])
    g.add(f"{prefix}.c", out["t_embedder"] + out["y_embedder"])
    g.add(f"{prefix}.velocity", velocity)


def record_autoencoder(g: Goldens, prefix: str, ae: Autoencoder, pixels: torch.Tensor) -> None:
    with torch.no_grad(), capture(ae, ae_names(len(ae.encoder.down))) as out:
        latent = ae.encode(pixels)
        decoded = ae.decode(latent)
    for name in ae_names(len(ae.encoder.down)):
        g.add(f"{prefix}.{name}", out[name])
    g.add(f"{prefix}.latent", latent)
    g.add(f"{prefix}.pixels", decoded)


def record_sample(g: Goldens, prefix: str, config: ModelConfig, dit: DiT,
                  ae: Optional[Autoencoder], noise: torch.Tensor, tokens: torch.Tensor,
                  context_pixels: Optional[torch.Tensor], given: int) -> None:
    context = mask = None
    if context_pixels is not None:
        mask = frame_mask(noise.shape[0], config.frames, given).to(noise.dtype)
        with torch.no_grad():
            latent = ae.encode(context_pixels) if ae else context_pixels
        context = latent * mask.reshape(noise.shape[0], 1, -1, 1, 1)  # zeros on free frames
        g.add(f"{prefix}.context", context)
    trace: Dict[str, torch.Tensor] = {}
    with torch.no_grad():
        x = sample(dit, noise, tokens, config.schedule.default_steps, config.schedule.shift,
                   config.guidance.default, context, mask,
                   use_context=config.context.max_frames > 0, trace=trace)
        pixels = ae.decode(x) if ae else x
    for name, value in trace.items():
        g.add(f"{prefix}.{name}", value)
    g.add(f"{prefix}.latent", x)
    g.add(f"{prefix}.pixels", pixels)


def golden_prompt(config: ModelConfig) -> str:
    """A prompt of three vocabulary words (one repeated, so pooling counts it twice)."""
    v = config.text.vocabulary
    return " ".join(v[i % len(v)] for i in (3, 0, 2, 0))


def write_goldens(config: ModelConfig, dit: DiT, ae: Optional[Autoencoder], out: Path) -> None:
    config = write_model_folder(config.replace(dtype="float32"), dit, ae, out, onnx=True)
    C, T, H, W = config.latent_shape
    K = config.text.max_tokens
    prompt = golden_prompt(config)
    tokens = tokenize(prompt, config.text.vocabulary, K)
    given = min(config.context.max_frames, T)

    # Inputs are float32 (as the engine has them) and shared by both precisions.
    g = Goldens()
    xt = prng.gaussian_noise_torch(SEEDS["forward.x"], (2, C, T, H, W))
    parts = [xt]
    if config.context.max_frames > 0:
        ctx = prng.gaussian_noise_torch(SEEDS["forward.context"], (2, C, T, H, W))
        mask = torch.tensor([[1.0] * given + [0.0] * (T - given), [0.0] * T])
        parts.append(context_channels(ctx, mask, xt))
    fx = torch.cat(parts, dim=1)  # (2, Cin, T, H, W)
    ft = torch.tensor(FORWARD_T)
    fy = torch.tensor([tokens, null_tokens(K)], dtype=torch.int64)
    noise = prng.gaussian_noise_torch(SEEDS["sample.noise"], (1, C, T, H, W))
    pixels = 0.5 * prng.gaussian_noise_torch(SEEDS["ae.pixels"],
                                             (1, config.channels, T, config.height, config.width))
    sy = torch.tensor([tokens], dtype=torch.int64)
    for name, value in (("forward.x", fx), ("forward.t", ft), ("sample.noise", noise),
                        ("pixels", pixels)):
        g.add(f"inputs/{name}", value)

    for precision, dtype in PRECISIONS.items():
        d = copy.deepcopy(dit).to(dtype).eval()
        a = copy.deepcopy(ae).to(dtype).eval() if ae else None
        record_forward(g, f"{precision}/forward", d, fx.to(dtype), ft.to(dtype), fy)
        if a is not None:
            record_autoencoder(g, f"{precision}/ae", a, pixels.to(dtype))
        record_sample(g, f"{precision}/sample", config, d, a, noise.to(dtype), sy, None, 0)
        if config.context.max_frames > 0:
            record_sample(g, f"{precision}/sample_context", config, d, a, noise.to(dtype), sy,
                          pixels.to(dtype), given)

    g.write(out, {
        "format": "tessera-goldens", "version": 1, "preset": config.id,
        "weights": "model.safetensors", "precisions": list(PRECISIONS),
        "prompt": prompt, "tokens": tokens, "null_tokens": null_tokens(K),
        "seeds": SEEDS,
        "forward": {"t": FORWARD_T, "y": fy.tolist(),
                    "context_frames": [given, 0] if config.context.max_frames > 0 else [0, 0]},
        "sample": {"steps": config.schedule.default_steps, "shift": config.schedule.shift,
                   "guidance": config.guidance.default,
                   "timesteps": timesteps(config.schedule.default_steps, config.schedule.shift),
                   "context_frames": given},
    })


def _draws(seed: int, method: str, count: int) -> list:
    rng = prng.Xoshiro128(seed)
    return [getattr(rng, method)() for _ in range(count)]


def write_prng_fixture(path: Path) -> None:
    """Each list comes from a fresh generator; normals are exact float64 (repr round-trips)."""
    cases = [{"seed": seed, "u32": _draws(seed, "next_u32", 16),
              "uniform53": _draws(seed, "uniform53", 8), "normal": _draws(seed, "normal", 33)}
             for seed in (0, 1, 42, 123456789, 0xFFFFFFFF)]
    logs = [1e-300, 5e-324, 0.1, 0.5, 0.75, 0.9999999999999999, 1.0, 1.5, 2.0, 3.0, 1e300]
    doc = {"generator": "training/tessera/goldens.py --prng", "cases": cases,
           "ln": [[x, prng.ln(x)] for x in logs],
           "noise": {"seed": 7, "count": 9,
                     "float32": [float(v) for v in prng.gaussian_noise(7, (9,))]}}
    path.write_text(json.dumps(doc, indent=1) + "\n")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", help="a named preset with seeded random weights")
    p.add_argument("--model", type=Path, help="a model folder (trained weights) instead")
    p.add_argument("--out", type=Path)
    p.add_argument("--prng", type=Path, help="write the PRNG fixture here")
    args = p.parse_args(argv)
    torch.set_num_threads(2)
    if args.prng:
        write_prng_fixture(args.prng)
        print(f"wrote {args.prng}")
    if not (args.preset or args.model):
        if not args.prng:
            p.error("give --preset or --model (with --out), or --prng")
        return
    if args.out is None:
        p.error("--out is required")
    if args.model:
        config, dit, ae = load_model_folder(args.model)
    else:
        config = preset(args.preset)
        dit, ae = build(config)
        randomize(dit, WEIGHT_SEED)
        if ae is not None:
            randomize(ae, WEIGHT_SEED + 1)
    args.out.mkdir(parents=True, exist_ok=True)
    write_goldens(config, dit, ae, args.out)
    size = sum(f.stat().st_size for f in args.out.iterdir())
    print(f"wrote {args.out} ({config.id}, {size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
