"""Checkpoint → model folder: config.json (with sha256s), model.safetensors, model.onnx.

    python3 training/tessera/export.py --checkpoint run/ckpt.pt --preset balls-s \
        --out public/models/balls-s [--dtype float16] [--no-onnx]
    python3 training/tessera/export.py --onnx-only --model public/models/balls-s [--out DIR]

The checkpoint is a state dict, or a dict holding one under "ema", "model" or "state_dict"
(the first present; --key picks another) and optionally the config under "config".
--onnx-only adds model.onnx to an existing model folder (from its config.json and
model.safetensors, sha256 checked) and records its sha256 in config.json ("onnx"), leaving
every other field as it was; with --out elsewhere it writes only model.onnx there.
Whenever model.onnx is written, config.json carries its sha256, so the app verifies it as it
verifies the weights; a folder written without it loses any stale model.onnx.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import warnings
from pathlib import Path
from typing import Dict, Optional, Tuple

if __package__ in (None, ""):  # run as a script: make `tessera` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
import torch.nn as nn

from tessera.autoencoder import Autoencoder
from tessera.config import ModelConfig, preset
from tessera.model import DiT
from tessera.safetensors_io import deserialize, save_file

STATE_KEYS = ("ema", "model", "state_dict")
OPSET = 17


def build(config: ModelConfig) -> Tuple[DiT, Optional[Autoencoder]]:
    ae = Autoencoder(config) if config.autoencoder else None
    return DiT(config), ae


def model_state_dict(dit: DiT, ae: Optional[Autoencoder]) -> Dict[str, torch.Tensor]:
    """One flat dict: DiT names at the top level, the autoencoder under encoder./decoder."""
    state = dict(dit.state_dict())
    if ae is not None:
        state.update(ae.state_dict())
    return state


def load_weights(dit: DiT, ae: Optional[Autoencoder], state: Dict[str, torch.Tensor]) -> None:
    """Strict: every expected name present with its shape, nothing extra."""
    expected = model_state_dict(dit, ae)
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    wrong = [f"{k}: {list(state[k].shape)} given, {list(v.shape)} expected"
             for k, v in expected.items() if k in state and state[k].shape != v.shape]
    if missing or extra or wrong:
        raise ValueError("weights do not match the config:\n  " + "\n  ".join(
            [f"missing {k}" for k in missing] + [f"unexpected {k}" for k in extra] + wrong))
    dit.load_state_dict({k: state[k].float() for k in dit.state_dict()})
    if ae is not None:
        ae.load_state_dict({k: state[k].float() for k in ae.state_dict()})


def read_checkpoint(path: Path, key: Optional[str]) -> Tuple[Dict[str, torch.Tensor], Optional[dict]]:
    obj = torch.load(path, map_location="cpu")
    if all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj, None
    keys = (key,) if key else STATE_KEYS
    for k in keys:
        if k in obj:
            return obj[k], obj.get("config")
    raise ValueError(f"{path}: no state dict under {', '.join(keys)} (keys: {', '.join(obj)})")


def load_model_folder(folder: Path, weights: str = "model.safetensors"
                      ) -> Tuple[ModelConfig, DiT, Optional[Autoencoder]]:
    config = ModelConfig.from_json(Path(folder, "config.json").read_text())
    data = Path(folder, weights).read_bytes()
    if weights == "model.safetensors" and hashlib.sha256(data).hexdigest() != config.sha256:
        raise ValueError(f"{folder}/{weights}: sha256 differs from config.json")
    dit, ae = build(config)
    load_weights(dit, ae, deserialize(data)[0])
    return config, dit, ae


# ---------------------------------------------------------------------------------------------
# ONNX

def _affine_layer_norms(module: nn.Module) -> nn.Module:
    """ONNX 1.12's checker rejects LayerNormalization without a scale: use weight 1, bias 0."""
    for name, child in module.named_children():
        if isinstance(child, nn.LayerNorm) and not child.elementwise_affine:
            affine = nn.LayerNorm(child.normalized_shape, eps=child.eps)
            setattr(module, name, affine)
        else:
            _affine_layer_norms(child)
    return module


def export_onnx(dit: DiT, path: Path) -> str:
    """The denoiser alone: x (N, Cin, T, H, W) f32, t (N) f32, y (N, K) i64 → velocity.
    Returns the file's sha256 (the export is deterministic: same weights, same bytes)."""
    import onnx

    config = dit.config
    model = _affine_layer_norms(copy.deepcopy(dit)).eval()
    n = 2  # CFG batches cond and uncond; the batch axis stays dynamic
    x = torch.zeros(n, config.in_channels, *config.latent_shape[1:])
    t = torch.full((n,), 0.5)
    y = torch.ones(n, config.text.max_tokens, dtype=torch.int64)
    batch = {0: "batch"}
    with torch.no_grad(), warnings.catch_warnings():
        # The trace turns the grid arithmetic and sincos table into constants, as intended.
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x, t, y), str(path), opset_version=OPSET,
                          input_names=["x", "t", "y"], output_names=["velocity"],
                          dynamic_axes={"x": batch, "t": batch, "y": batch, "velocity": batch},
                          do_constant_folding=True)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Folder

def write_model_folder(config: ModelConfig, dit: DiT, ae: Optional[Autoencoder], out: Path,
                       onnx: bool = True, f32_copy: bool = True) -> ModelConfig:
    """Writes the folder; returns the config with its sha256 (and onnx.sha256) filled in."""
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().float() for k, v in model_state_dict(dit, ae).items()}
    meta = {"format": config.format, "version": str(config.version), "id": config.id}
    if config.dtype == "float16":
        half = {k: v.half() for k, v in state.items()}
        bad = [k for k, v in half.items() if not torch.isfinite(v).all()]
        if bad:
            raise ValueError(f"float16 overflows in {', '.join(bad)}")
        data = save_file(half, out / "model.safetensors", {**meta, "dtype": "F16"})
        if f32_copy:
            save_file(state, out / "model.f32.safetensors", {**meta, "dtype": "F32"})
    else:
        data = save_file(state, out / "model.safetensors", {**meta, "dtype": "F32"})
    onnx_config = None
    if onnx:
        onnx_config = {"sha256": export_onnx(dit, out / "model.onnx")}
    else:
        (out / "model.onnx").unlink(missing_ok=True)  # a stale export would not match
    config = config.replace(sha256=hashlib.sha256(data).hexdigest(), onnx=onnx_config)
    (out / "config.json").write_text(config.dumps())
    return config


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", type=Path, help="torch checkpoint; omit for a fresh init")
    p.add_argument("--key", help="state-dict key inside the checkpoint")
    p.add_argument("--config", type=Path, help="config.json (sha256 may be empty)")
    p.add_argument("--preset", help="a named preset instead of --config")
    p.add_argument("--dtype", choices=["float16", "float32"], help="override the config dtype")
    p.add_argument("--out", type=Path, help="the model folder to write (--onnx-only: MODEL)")
    p.add_argument("--no-onnx", action="store_true")
    p.add_argument("--onnx-only", action="store_true",
                   help="only write model.onnx for the model folder --model")
    p.add_argument("--model", type=Path, help="an existing model folder (with --onnx-only)")
    args = p.parse_args(argv)

    if args.onnx_only:
        if not args.model:
            p.error("--onnx-only needs --model DIR")
        # The weights the app ships (F16 widens exactly), so both backends run the same model.
        config, dit, _ = load_model_folder(args.model)
        out = args.out or args.model
        out.mkdir(parents=True, exist_ok=True)
        digest = export_onnx(dit, out / "model.onnx")
        if out.resolve() == args.model.resolve():
            (out / "config.json").write_text(config.replace(onnx={"sha256": digest}).dumps())
        print(f"wrote {out / 'model.onnx'} ({dit.config.id}, sha256 {digest[:12]}...)")
        return
    if not args.out:
        p.error("--out is required")

    state, embedded = (read_checkpoint(args.checkpoint, args.key) if args.checkpoint
                       else (None, None))
    if args.config:
        config = ModelConfig.from_json(json.loads(args.config.read_text()), require_sha256=False)
    elif args.preset:
        config = preset(args.preset)
    elif embedded:
        config = ModelConfig.from_json(embedded, require_sha256=False)
    else:
        p.error("give --config, --preset, or a checkpoint holding a config")
    if args.dtype:
        config = config.replace(dtype=args.dtype)
    dit, ae = build(config)
    if state is not None:
        load_weights(dit, ae, state)
    config = write_model_folder(config, dit, ae, args.out, onnx=not args.no_onnx)
    print(f"wrote {args.out} ({config.id}, {config.dtype}, sha256 {config.sha256[:12]}...)")


if __name__ == "__main__":
    main()
