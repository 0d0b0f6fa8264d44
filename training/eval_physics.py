"""Physics evaluation, generation half: clips from a fixed unseen eval set, scored in TypeScript.

  python3 training/eval_physics.py [--count 128] [--checkpoints DIR] [--teacher PT] [--student PT]
                                   [--seed 999] [--teacher-guidance 2]

The eval set is `scripts/world-dataset.ts --seed 999` (training uses seed 1), written once to
training/data/eval-s999-n<count>-f16-32px. For each model found it writes, per step count,
  free          clips from the captions alone,
  continuation  clips from the captions and the first 2 true frames (encoded by the AE),
and once, `autoencoder-0step-reconstruction`: the true clips through the AE, the floor any
model sees. Teacher: 16 and 8 steps at guidance 2; student: 1, 2 and 4 steps at guidance 1 (its
guidance is baked in). Every set draws the same noise (seed --noise-seed), so sets differ only
in the model and its steps.

Each set is training/runs/eval/<model>-<steps>step-<kind>/{clips.u8, meta.json} in the world
dataset format: meta.json is the eval set's own (captions, scenes and true states of the clip
the prompt and context came from) plus "generated": which model, checkpoint, steps, guidance,
kind. training/runs/eval/manifest.json lists the truth and the sets; scripts/eval-physics.ts
tracks the balls and scores them (run here at the end unless --no-score).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data_world import load_world_dataset  # noqa: E402
from tessera.autoencoder import Autoencoder  # noqa: E402
from tessera.config import ModelConfig  # noqa: E402
from tessera.model import DiT  # noqa: E402
from tessera.sampling import frame_mask, sample  # noqa: E402
from train import model_config, to_pixels, to_uint8, token_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EVAL_SEED = 999
CONTEXT_FRAMES = 2
BATCH = 16
# (model name, checkpoint file, step counts, guidance)
MODELS = (("teacher", "teacher.pt", (16, 8), 2.0), ("student", "distill.pt", (1, 2, 4), 1.0))


def eval_set(count: int, frames: int, size: int, seed: int = EVAL_SEED) -> Path:
    """The true clips, written by the world CLI once per shape."""
    folder = ROOT / "training" / "data" / f"eval-s{seed}-n{count}-f{frames}-{size}px"
    if not (folder / "meta.json").exists():
        command = ["npx", "tsx", "scripts/world-dataset.ts", "--count", str(count), "--seed",
                   str(seed), "--frames", str(frames), "--size", str(size), "--out",
                   str(folder)]
        subprocess.run(command, cwd=ROOT, check=True)
    return folder


def load_model(path: Path) -> tuple:
    """(EMA DiT in eval mode, its config with the AE's latent scale, training step)."""
    state = torch.load(path, map_location="cpu")
    config = ModelConfig.from_json(state["config"], require_sha256=False)
    model = DiT(config)
    model.load_state_dict(state["ema"])  # the trainer samples from the EMA weights too
    return model.eval().requires_grad_(False), config, state["step"]


def load_autoencoder(path: Path, config: ModelConfig) -> Autoencoder:
    """The AE with `config`'s latent scale, which is the one the DiT was trained against."""
    ae = Autoencoder(config)
    ae.load_state_dict(torch.load(path, map_location="cpu")["model"])
    return ae.eval().requires_grad_(False)


def config_for_ae(path: Path, vocabulary: List[str]) -> ModelConfig:
    """The preset with the latent scale stored in ae.pt, for when no DiT checkpoint exists yet."""
    config = model_config("balls-s", vocabulary)
    scale = round(torch.load(path, map_location="cpu")["latent_scale"], 6)
    return config.replace(autoencoder=dict(config.to_json()["autoencoder"], latent_scale=scale))


@torch.no_grad()
def encode(ae: Autoencoder, clips: np.ndarray) -> torch.Tensor:
    """(N, T, H, W, 3) uint8 → (N, C, T, Hl, Wl) latents."""
    parts = [ae.encode(to_pixels(clips[i:i + BATCH])) for i in range(0, len(clips), BATCH)]
    return torch.cat(parts)


@torch.no_grad()
def decode(ae: Autoencoder, latents: torch.Tensor) -> np.ndarray:
    """(N, C, T, Hl, Wl) → (N, T, H, W, 3) uint8."""
    return np.concatenate([to_uint8(ae.decode(latents[i:i + BATCH]))
                           for i in range(0, len(latents), BATCH)])


@torch.no_grad()
def generate(model: DiT, config: ModelConfig, noise: torch.Tensor, tokens: torch.Tensor,
             steps: int, guidance: float, context: Optional[torch.Tensor]) -> torch.Tensor:
    """Latents (N, C, T, Hl, Wl); with `context`, its first CONTEXT_FRAMES frames are given."""
    out = []
    use_context = config.context.max_frames > 0
    for i in range(0, len(noise), BATCH):
        part = slice(i, i + BATCH)
        n = len(noise[part])
        mask = frame_mask(n, config.frames, CONTEXT_FRAMES) if context is not None else None
        given = context[part] if context is not None else None
        out.append(sample(model, noise[part], tokens[part], steps, config.schedule.shift, guidance,
                          context=given, mask=mask, use_context=use_context))
    return torch.cat(out)


def relative(path: Path) -> str:
    """Repo-relative where possible, so manifests and meta.json name no machine's folders."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def write_set(folder: Path, clips: np.ndarray, truth_meta: dict, generated: dict) -> None:
    """clips.u8 first, meta.json last, so a half-written set has no meta.json."""
    folder.mkdir(parents=True, exist_ok=True)
    meta_path = folder / "meta.json"
    if meta_path.exists():
        meta_path.unlink()
    np.ascontiguousarray(clips, dtype=np.uint8).tofile(folder / "clips.u8")
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(dict(truth_meta, generated=generated), f)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=128, help="clips in the eval set")
    p.add_argument("--checkpoints", default=str(ROOT / "training" / "checkpoints" / "balls-s"),
                   help="folder with ae.pt, teacher.pt and distill.pt")
    p.add_argument("--ae", help="autoencoder checkpoint (default CHECKPOINTS/ae.pt)")
    p.add_argument("--teacher", help="teacher checkpoint (default CHECKPOINTS/teacher.pt)")
    p.add_argument("--student", help="student checkpoint (default CHECKPOINTS/distill.pt)")
    p.add_argument("--noise-seed", type=int, default=0)
    p.add_argument("--seed", type=int, default=EVAL_SEED,
                   help="the eval set's world seed; choose sampling settings on another seed "
                        "than the one scores are reported on (training uses 1)")
    p.add_argument("--teacher-guidance", type=float, default=MODELS[0][3])
    p.add_argument("--out", default=str(ROOT / "training" / "runs" / "eval"))
    p.add_argument("--no-score", action="store_true", help="generate only; skip the TS scorer")
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    checkpoints = Path(args.checkpoints)
    paths = {"teacher": Path(args.teacher) if args.teacher else checkpoints / "teacher.pt",
             "student": Path(args.student) if args.student else checkpoints / "distill.pt"}
    ae_path = Path(args.ae) if args.ae else checkpoints / "ae.pt"
    if not ae_path.exists():
        raise SystemExit(f"no autoencoder checkpoint at {ae_path}: train the `ae` stage first")
    out = Path(args.out)

    if args.seed == 1:
        raise SystemExit("--seed 1 is the training set's seed; pick an unseen one")
    truth_dir = eval_set(args.count, frames=16, size=32, seed=args.seed)
    clips, truth_meta = load_world_dataset(str(truth_dir))
    models = [(name, file, steps, args.teacher_guidance if name == "teacher" else guidance)
              for name, file, steps, guidance in MODELS]
    present = [m for m in models if paths[m[0]].exists()]
    for name, _, _, _ in models:
        if not paths[name].exists():
            print(f"skipping {name}: no checkpoint at {paths[name]}", flush=True)
    # Any DiT checkpoint carries the config (vocabulary, latent scale) the AE was used with.
    config = (ModelConfig.from_json(torch.load(paths[present[0][0]])["config"],
                                    require_sha256=False)
              if present else config_for_ae(ae_path, truth_meta["vocabulary"]))
    ae = load_autoencoder(ae_path, config)
    truth_latents = encode(ae, clips)  # (N, C, T, Hl, Wl)
    gen = torch.Generator().manual_seed(args.noise_seed)
    noise = torch.randn(truth_latents.shape, generator=gen)  # one draw shared by every set
    tokens = token_table(truth_meta["captions"], config)

    base = {"truth": relative(truth_dir), "context_frames": CONTEXT_FRAMES,
            "noise_seed": args.noise_seed}
    sets = []
    folder = out / "autoencoder-0step-reconstruction"
    write_set(folder, decode(ae, truth_latents), truth_meta,
              dict(base, model="autoencoder", checkpoint=relative(ae_path), step=None, steps=0,
                   guidance=None, kind="reconstruction"))
    sets.append(relative(folder))
    for name, _, step_counts, guidance in present:
        model, model_cfg, step = load_model(paths[name])
        for steps in step_counts:
            for kind, context in (("free", None), ("continuation", truth_latents)):
                started = time.time()
                latents = generate(model, model_cfg, noise, tokens, steps, guidance, context)
                folder = out / f"{name}-{steps}step-{kind}"
                write_set(folder, decode(ae, latents), truth_meta,
                          dict(base, model=name, checkpoint=relative(paths[name]), step=step,
                               steps=steps, guidance=guidance, kind=kind))
                sets.append(relative(folder))
                print(f"{relative(folder)}: {len(latents)} clips in {time.time() - started:.1f} s",
                      flush=True)
    manifest = out / "manifest.json"
    with open(manifest, "w", encoding="utf-8") as f:
        json.dump({"truth": relative(truth_dir), "context_frames": CONTEXT_FRAMES, "sets": sets},
                  f, indent=2)
    print(f"wrote {relative(manifest)}", flush=True)
    if not args.no_score:
        subprocess.run(["npx", "tsx", "scripts/eval-physics.ts", "--manifest", relative(manifest)],
                       cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
