"""Turn the trainer's checkpoints into model folders the app serves.

    python3 training/ship.py teacher   # → public/models/balls-s-teacher/
    python3 training/ship.py student   # → public/models/balls-s/ (the app's default)

Each folder: config.json (with sha256), model.safetensors (F16, DiT EMA weights + the
autoencoder), and, with --onnx, model.onnx of the denoiser. public/models/index.json lists them.
"""

from __future__ import annotations

import argparse
import json
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
    ae_state = torch.load(CHECKPOINTS / "ae.pt", map_location="cpu")["model"]
    trained = dict(state["config"])
    trained.update(id=spec["id"], name=spec["name"], description=spec["description"],
                   schedule=spec["schedule"], guidance={"default": spec["guidance"]},
                   teacher=spec["teacher"], dtype="float16", sha256="",
                   training_data=f"{TRAINING_DATA} {state['step']} training steps.")
    config = ModelConfig.from_json(trained, require_sha256=False)
    dit, ae = build(config)
    load_weights(dit, ae, {**state["ema"], **ae_state})
    out = MODELS / spec["id"]
    config = write_model_folder(config, dit.eval(), ae.eval(), out, onnx=onnx, f32_copy=False)
    write_index()
    print(f"{out.relative_to(ROOT)}: {config.sha256[:12]}… step {state['step']}")
    return config


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
    p.add_argument("--onnx", action="store_true", help="also export model.onnx of the denoiser")
    args = p.parse_args()
    ship(args.role, args.onnx)
