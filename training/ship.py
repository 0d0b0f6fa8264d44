"""Turn the trainer's checkpoints into model folders the app serves.

    python3 training/ship.py teacher   # → public/models/balls-s-teacher/
    python3 training/ship.py student   # → public/models/balls-s/ (the app's default)

Each folder: config.json (with sha256), model.safetensors (F16, DiT EMA weights + the
autoencoder), and model.onnx of the denoiser (the app's onnxruntime backend; --no-onnx leaves it
out). public/models/index.json lists them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tessera.config import ModelConfig  # noqa: E402
from tessera.export import build, load_weights, write_model_folder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINTS = ROOT / "training" / "checkpoints" / "balls-s"
MODELS = ROOT / "public" / "models"

TRAINING_DATA = ("Procedurally generated clips of 1-3 bouncing balls from Tessera's own physics "
                 "world (src/world), 16 frames of 32x32, with captions in its 21-word vocabulary.")

ROLES = {
    "teacher": dict(
        id="balls-s-teacher", checkpoint="teacher", name="Bouncing balls S (teacher)",
        description="The many-step rectified-flow teacher: slower, for comparison with the student.",
        schedule={"shift": 1.0, "default_steps": 16, "supported_steps": [4, 8, 16, 32]},
        guidance=2.0, teacher=None),
    "student": dict(
        id="balls-s", checkpoint="distill", name="Bouncing balls S",
        description="A 4-step student distilled from the teacher, guidance baked in.",
        schedule={"shift": 1.0, "default_steps": 4, "supported_steps": [1, 2, 4]},
        guidance=1.0, teacher="balls-s-teacher"),
}


def ship(role: str, onnx: bool) -> ModelConfig:
    spec = ROLES[role]
    state = torch.load(CHECKPOINTS / f"{spec['checkpoint']}.pt", map_location="cpu")
    ae_checkpoint = torch.load(CHECKPOINTS / "ae.pt", map_location="cpu")
    trained = dict(state["config"])
    trained.update(id=spec["id"], name=spec["name"], description=spec["description"],
                   schedule=spec["schedule"], guidance={"default": spec["guidance"]},
                   teacher=spec["teacher"], dtype="float16", sha256="",
                   training_data=f"{TRAINING_DATA} {state['step']} training steps.")
    config = ModelConfig.from_json(trained, require_sha256=False)
    dit, ae = build(config)
    load_weights(dit, ae, {**state["ema"], **ae_checkpoint["model"]})
    out = MODELS / spec["id"]
    config = write_model_folder(config, dit.eval(), ae.eval(), out, onnx=onnx, f32_copy=False)
    write_card(role, config, state, ae_checkpoint["val_psnr_db"], out)
    write_index()
    print(f"{out.relative_to(ROOT)}: {config.sha256[:12]}… step {state['step']}")
    return config


def _log(stage: str) -> list:
    path = ROOT / "training" / "runs" / "balls-s" / f"{stage}.log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _minutes(stage: str) -> float:
    """Training time summed over resumed runs (each run's last `minutes` before a restart)."""
    total, last = 0.0, 0.0
    for record in _log(stage):
        if "minutes" not in record:
            continue
        if record["minutes"] < last:
            total += last
        last = record["minutes"]
    return total + last


def _score_rows(model_id: str) -> list:
    path = ROOT / "bench" / "results" / "physics.json"
    if not path.exists():
        return []
    rows = json.loads(path.read_text())["rows"]
    keep = {"truth", "autoencoder", "teacher", "student"}
    return [r for r in rows if r["model"] in keep]


def _score_table(rows: list) -> str:
    if not rows:
        return "No evaluation has been run yet (`npm run eval:physics`)."
    head = ("| model | steps | guidance | permanence | fidelity | continuation px (all / after bounce)"
            " | copy-last px | constant-velocity px |\n|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        e = r["continuation"]["error"]
        px = lambda k: f"{e[k]['all']['meanPx']:.2f} / {e[k]['afterBounce']['meanPx']:.2f}"
        lines.append(f"| {r['model']}{' @' + str(r['step']) if r.get('step') else ''} | {r['steps'] or '-'} "
                     f"| {r['guidance'] if r['guidance'] is not None else '-'} "
                     f"| {100 * r['free']['permanence']['share']:.1f}% "
                     f"| {100 * r['free']['fidelity']['share']:.1f}% "
                     f"| {px('model')} | {px('copyLast')} | {px('constantVelocity')} |")
    return "\n".join(lines)


def write_card(role: str, config: ModelConfig, state: dict, ae_psnr: float, out: Path) -> None:
    """README.md beside the weights: data, size, training, scores, limits, a sample grid.

    Training time and the autoencoder's PSNR come from the checkpoints, which travel between
    machines; the run logs (training/runs/) may hold only the latest machine's runs.
    """
    stage = ROLES[role]["checkpoint"]
    step = state["step"]
    minutes = state.get("minutes", _minutes(stage))
    grids = sorted((ROOT / "training" / "runs" / "balls-s" / "samples").glob(f"{stage}-*.png"),
                   key=lambda p: int(p.stem.split("-")[-1]))
    if grids:
        shutil.copy(grids[-1], out / "samples.png")
    card = f"""# {config.name}

{config.description}

| | |
|---|---|
| id | `{config.id}` |
| clip | {config.frames} frames of {config.width}x{config.height} RGB at {config.fps} fps |
| autoencoder | per-frame conv, {config.width}x{config.height}x{config.channels} to {config.latent_shape[3]}x{config.latent_shape[2]}x{config.latent_shape[0]} latent; held-out PSNR {ae_psnr:.1f} dB |
| transformer | dim {config.dim}, depth {config.depth}, {config.heads} heads, patch {list(config.patch)}: {config.tokens} space-time tokens |
| schedule | rectified flow, {config.schedule.default_steps} steps by default (supported {list(config.schedule.supported_steps)}), guidance {config.guidance.default} |
| training | {step} steps, about {minutes:.0f} minutes on 2 CPU cores ({'distillation from ' + str(config.teacher) if config.teacher else 'from scratch'}) |
| weights | F16 safetensors, sha256 `{config.sha256}` |
| licence | {config.license} |

**Data.** {config.training_data}

**Prompts.** Words: {", ".join(config.text.vocabulary)}. A caption names the count, each ball's
size and colour, the speed and the gravity: "two balls, big red and small blue, fast, weak gravity".

## Scores

Unseen clips (seed 999), tracked by colour segmentation (`src/world/tracker.ts`); continuation
from the first 2 true frames. Written by `npm run eval:physics`; definitions in
`bench/results/physics.json`.

{_score_table(_score_rows(config.id))}

## Samples

![sample grid](samples.png)

Rows: 4 true clips, then 4 clips from their captions, then the same 4 continued from their first
2 true frames (grid of the EMA weights at the last checkpoint).

## Limits

- Trained for a few hours on two CPU cores: balls still merge, vanish or change colour in some
  clips (see the scores), and continuations do not yet beat copying the last frame.
- The prompt reaches the model as one pooled bag of words (through adaLN), so which size goes
  with which colour is lost ("big red and small blue" may draw a small red and a big blue), and
  with two or three balls the colours are often only partly right. Prompt tokens the patches
  can attend to (in-context or cross-attention) are the fix, not more of the same training.
- Only the closed vocabulary above; unknown words are refused, not ignored.
- A bigger budget is the next step: every run so far ended at its time limit with the
  validation loss still falling. More steps, more clips, a wider model and prompt tokens in the
  sequence are what it would buy (docs/training.md in the repository); the trainer runs
  unchanged on CUDA and under torchrun.
"""
    (out / "README.md").write_text(card)


def write_index() -> None:
    """The app's catalogue: the student is the default when it exists."""
    models = []
    for role in ("student", "teacher"):
        folder = MODELS / ROLES[role]["id"]
        if (folder / "config.json").exists():
            models.append({"id": ROLES[role]["id"], "path": f"models/{ROLES[role]['id']}/",
                           "role": role})
    if models:
        models[0]["default"] = True
    (MODELS / "index.json").write_text(json.dumps({"models": models}, indent=2) + "\n")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("role", choices=list(ROLES))
    p.add_argument("--no-onnx", action="store_true",
                   help="leave out model.onnx (then the app offers only the WGSL backend)")
    args = p.parse_args()
    ship(args.role, not args.no_onnx)
