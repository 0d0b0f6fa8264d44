"""Train Tessera's world model in three resumable stages on clips from the TypeScript world.

  python3 training/train.py ae      --minutes 10    # the per-frame autoencoder (pixels <-> latent)
  python3 training/train.py teacher --minutes 120   # the rectified-flow DiT on the latents
  python3 training/train.py distill --minutes 60    # the few-step student, from the teacher's EMA

Each stage resumes from RUN/<stage>.pt when it exists (RUN defaults to training/runs/<preset>),
else from the lean copy in training/checkpoints/<preset>/ (weights + EMA, no optimiser state),
so a new machine continues where the last one stopped. The same command uses a CUDA GPU when
one is present, and runs data-parallel under `torchrun --nproc_per_node=N training/train.py ...`.
Logs: RUN/<stage>.log.jsonl; sample grids: RUN/samples/<stage>-<step>.png (rows = prompts,
columns = frames; continuation rows have their 2 given frames on the left).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data_world import load_world_dataset  # noqa: E402
from tessera.autoencoder import Autoencoder, batch_to_frames, frames_to_batch  # noqa: E402
from tessera.config import ModelConfig, preset  # noqa: E402
from tessera.ema import Ema  # noqa: E402
from tessera.model import DiT  # noqa: E402
from tessera.png import clip_grid, write_png  # noqa: E402
from tessera.runtime import Runtime, all_reduce_mean, start_runtime, stop_runtime  # noqa: E402
from tessera.sampling import (add_noise, context_channels, euler_step, guide,  # noqa: E402
                              sample, timesteps, velocity_target)
from tessera.tokenizer import NULL, PAD, tokenize  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MAX_TOKENS = 16  # the longest caption ("three balls, small red, big blue and small cyan, ...") is 13


# ---------------------------------------------------------------------------------------------
# Data

def world_dataset(count: int, seed: int, frames: int, size: int) -> Tuple[np.ndarray, dict]:
    """Clips from src/world (the app's own simulator), written once by its CLI and cached."""
    folder = ROOT / "training" / "data" / f"world-s{seed}-n{count}-f{frames}-{size}px"
    if not (folder / "meta.json").exists():
        command = ["npx", "tsx", "scripts/world-dataset.ts", "--count", str(count), "--seed",
                   str(seed), "--frames", str(frames), "--size", str(size), "--out", str(folder)]
        print("writing", folder, flush=True)
        subprocess.run(command, cwd=ROOT, check=True)
    return load_world_dataset(str(folder))


def to_pixels(clips: np.ndarray) -> torch.Tensor:
    """(N, T, H, W, 3) uint8 → (N, 3, T, H, W) float in [-1, 1]."""
    x = torch.from_numpy(clips).permute(0, 4, 1, 2, 3).float()
    return x / 127.5 - 1


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(N, 3, T, H, W) in [-1, 1] → (N, T, H, W, 3) uint8."""
    x = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 4, 1).cpu().numpy()


def token_table(captions: List[str], config: ModelConfig) -> torch.Tensor:
    vocabulary = config.text.vocabulary
    return torch.tensor([tokenize(c, vocabulary, config.text.max_tokens) for c in captions])


def model_config(name: str, vocabulary: List[str]) -> ModelConfig:
    """The preset with the world's vocabulary (the one source of caption words)."""
    base = preset(name)
    return base.replace(text={"vocabulary": list(vocabulary), "max_tokens": MAX_TOKENS})


class StopFlag:
    """SIGTERM/SIGINT end the loop after the current step, so the final checkpoint is written."""

    def __init__(self):
        self.stop = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._set)

    def _set(self, *_):
        self.stop = True


STOP = None  # set in main()


def keep_going(deadline: float, step: int, max_steps: int) -> bool:
    return time.time() < deadline and step < max_steps and not (STOP and STOP.stop)


# ---------------------------------------------------------------------------------------------
# Checkpoints

class Checkpoints:
    """RUN/<stage>.pt (full, resumable) and the lean repo copy (weights + EMA only)."""

    def __init__(self, run: Path, lean: Path):
        self.run, self.lean = run, lean
        run.mkdir(parents=True, exist_ok=True)

    def load(self, stage: str) -> Optional[dict]:
        for path in (self.run / f"{stage}.pt", self.lean / f"{stage}.pt"):
            if path.exists():
                print(f"resuming {stage} from {path}", flush=True)
                return torch.load(path, map_location="cpu")
        return None

    def save(self, stage: str, state: dict, lean_keys: Tuple[str, ...]) -> None:
        self._atomic(self.run / f"{stage}.pt", state)
        self.lean.mkdir(parents=True, exist_ok=True)
        self._atomic(self.lean / f"{stage}.pt", {k: state[k] for k in lean_keys if k in state})

    @staticmethod
    def _atomic(path: Path, state: dict) -> None:
        tmp = path.with_suffix(".tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)  # a crash mid-write never leaves a broken checkpoint


class Log:
    def __init__(self, path: Path, runtime: Runtime):
        self.path, self.runtime = path, runtime

    def write(self, record: dict) -> None:
        if not self.runtime.is_main:
            return
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")
        fields = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in record.items())
        print(fields, flush=True)


def warmup_lr(step: int, peak: float, warmup: int) -> float:
    return peak * min(1.0, (step + 1) / warmup)


def cooldown_factor(seconds_left: float, cooldown_minutes: float) -> float:
    """Warmup-stable-decay: the last `cooldown_minutes` of a run take the lr linearly to zero.

    Runs here end at a wall-clock budget, so the decay is timed, not counted in steps.
    """
    if cooldown_minutes <= 0:
        return 1.0
    return min(1.0, max(0.0, seconds_left / (cooldown_minutes * 60)))


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if isinstance(model, DistributedDataParallel) else model


# ---------------------------------------------------------------------------------------------
# Stage 1: the autoencoder

def weighted_reconstruction_loss(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE with ball pixels weighted 10x: the background is most pixels but carries no content."""
    background = target.flatten(2).median(dim=2).values[:, :, None, None]  # (B, 3, 1, 1)
    on_ball = ((target - background).abs().amax(dim=1, keepdim=True) > 0.05).float()
    weight = 1 + 9 * on_ball  # (B, 1, H, W)
    return (weight * (recon - target) ** 2).mean()


def psnr(recon: torch.Tensor, target: torch.Tensor) -> float:
    mse = F.mse_loss(recon.clamp(-1, 1), target).item()
    return 10 * math.log10(4 / max(mse, 1e-12))  # peak-to-peak range of [-1, 1] is 2


def train_autoencoder(args, runtime: Runtime, checkpoints: Checkpoints) -> None:
    clips, meta = world_dataset(args.count, args.seed, args.frames, args.size)
    config = model_config(args.preset, meta["vocabulary"])
    frames = torch.from_numpy(clips.reshape(-1, *clips.shape[2:]))  # (N*T, H, W, 3) uint8
    ae = Autoencoder(config).to(runtime.device)
    opt = torch.optim.AdamW(ae.parameters(), lr=args.lr, weight_decay=0.0)
    step = 0
    state = None if args.fresh else checkpoints.load("ae")
    if state:
        ae.load_state_dict(state["model"])
        if "opt" in state:
            opt.load_state_dict(state["opt"])
        step = state["step"]
    log = Log(checkpoints.run / "ae.log.jsonl", runtime)
    gen = torch.Generator().manual_seed(args.seed * 1000 + step + runtime.rank)
    held_out = to_frames(frames[-512:]).to(runtime.device)
    deadline = time.time() + args.minutes * 60
    started, last = time.time(), time.time()
    while keep_going(deadline, step, args.max_steps):
        batch = frames[torch.randint(0, len(frames) - 512, (args.batch,), generator=gen)]
        x = to_frames(batch).to(runtime.device)  # (B, 3, H, W)
        for group in opt.param_groups:
            group["lr"] = warmup_lr(step, args.lr, 200)
        z = ae.encoder(x)  # fp32: GroupNorm has no bf16 CPU kernel in torch 1.13
        recon = ae.decoder(z)
        loss = weighted_reconstruction_loss(recon.float(), x) + 1e-4 * z.float().pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            now = time.time()
            log.write({"stage": "ae", "step": step, "loss": loss.item(),
                       "steps_per_s": 50 / (now - last), "minutes": (now - started) / 60})
            last = now
        if step % 500 == 0:
            with torch.no_grad():
                quality = psnr(reconstruct_frames(ae, held_out), held_out)
            log.write({"stage": "ae", "step": step, "val_psnr_db": quality})
    with torch.no_grad():
        latent_std = ae.encoder(held_out).std().item()
        quality = psnr(reconstruct_frames(ae, held_out), held_out)
    log.write({"stage": "ae", "step": step, "val_psnr_db": quality, "latent_std": latent_std})
    save_grid(ae, held_out[:8 * args.frames], args.frames, checkpoints.run / "samples" /
              f"ae-{step}.png")
    checkpoints.save("ae", {"model": ae.state_dict(), "opt": opt.state_dict(), "step": step,
                            "latent_scale": 1.0 / latent_std, "val_psnr_db": quality},
                     lean_keys=("model", "step", "latent_scale", "val_psnr_db"))


def reconstruct_frames(ae: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    return ae.decoder(ae.encoder(x))  # (B, 3, H, W)


def to_frames(batch: torch.Tensor) -> torch.Tensor:
    """(B, H, W, 3) uint8 → (B, 3, H, W) in [-1, 1]."""
    return batch.permute(0, 3, 1, 2).float() / 127.5 - 1


@torch.no_grad()
def save_grid(ae: Autoencoder, frames: torch.Tensor, t: int, path: Path) -> None:
    """Rows alternate: true clip, its reconstruction."""
    recon = reconstruct_frames(ae, frames).clamp(-1, 1)
    rows = []
    for i in range(0, len(frames), t):
        rows += [frames[i:i + t], recon[i:i + t]]
    clips = torch.stack(rows).permute(0, 2, 1, 3, 4)  # (rows, 3, T, H, W)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_png(str(path), clip_grid(to_uint8(clips)))


# ---------------------------------------------------------------------------------------------
# Stage 2 and 3 share: latents of the dataset, batches with context and dropped prompts

def load_autoencoder(config: ModelConfig, checkpoints: Checkpoints, device) -> Tuple[Autoencoder, ModelConfig]:
    state = checkpoints.load("ae")
    if state is None:
        raise SystemExit("no autoencoder checkpoint: run `python3 training/train.py ae` first")
    ae_json = dict(config.to_json()["autoencoder"], latent_scale=round(state["latent_scale"], 6))
    config = config.replace(autoencoder=ae_json)
    ae = Autoencoder(config)
    ae.load_state_dict(state["model"])
    return ae.to(device).eval().requires_grad_(False), config


@torch.no_grad()
def encode_dataset(ae: Autoencoder, clips: np.ndarray, device, cache: Path,
                   mirror: bool = False) -> torch.Tensor:
    """(N, C, T, Hl, Wl) latents of every clip (mirror: of its left-right mirror image), cached
    next to the run (keyed by the AE)."""
    if cache.exists():
        return torch.load(cache)
    out = []
    for i in range(0, len(clips), 64):
        pixels = to_pixels(clips[i:i + 64]).to(device)  # (B, 3, T, H, W)
        out.append(ae.encode(pixels.flip(-1) if mirror else pixels).cpu())
    latents = torch.cat(out)
    torch.save(latents, cache)
    return latents


def logit_normal(n: int, gen: torch.Generator) -> torch.Tensor:
    """SD3's timestep density: most samples in the middle, where velocity is hardest."""
    return torch.sigmoid(torch.randn(n, generator=gen))


def make_batch(latents: torch.Tensor, tokens: torch.Tensor, index: torch.Tensor,
               gen: torch.Generator, args, config: ModelConfig,
               mirrored: Optional[torch.Tensor] = None):
    """z0 (B, C, T, H, W), prompt ids with some dropped to <null>, context mask (B, T).

    mirrored: the latents of the left-right mirrored clips; half the batch is drawn from them.
    A mirror image obeys the same physics (gravity points down) and keeps its caption.
    """
    z0 = latents[index]
    if mirrored is not None:
        flip = (torch.rand(len(index), generator=gen) < 0.5).to(z0.device)
        z0 = torch.where(flip[:, None, None, None, None], mirrored[index], z0)
    y = tokens[index].clone()
    drop = torch.rand(len(index), generator=gen) < args.prompt_dropout
    y[drop] = PAD
    y[drop, 0] = NULL
    b, _, t, _, _ = z0.shape
    given = torch.randint(1, config.context.max_frames + 1, (b,), generator=gen)
    use = torch.rand(b, generator=gen) < args.context_share
    mask = (torch.arange(t)[None, :] < (given * use)[:, None]).float()  # (B, T)
    return z0, y, mask


def teacher_loss(model, z0, y, mask, gen, runtime: Runtime) -> torch.Tensor:
    """Rectified flow, velocity target, on the frames the model must make (not the given ones)."""
    b = z0.shape[0]
    t = logit_normal(b, gen)
    noise = torch.randn(z0.shape, generator=gen)
    z0, noise, t, y, mask = (v.to(runtime.device) for v in (z0, noise, t, y, mask))
    x_t = add_noise(z0, noise, t)
    inp = torch.cat([x_t, context_channels(z0, mask, x_t)], dim=1)
    with runtime.autocast():
        v = model(inp, t, y)
    weight = (1 - mask)[:, None, :, None, None]  # (B, 1, T, 1, 1)
    err = (v.float() - velocity_target(z0, noise)) ** 2 * weight
    return err.sum() / (weight.sum() * err.shape[1] * err.shape[3] * err.shape[4])


@torch.no_grad()
def sample_grid(model, ae, latents, tokens, config: ModelConfig, steps: int, guidance: float,
                path: Path, device) -> None:
    """4 prompts from scratch, then the same 4 clips continued from their first 2 frames."""
    n = 4
    z0 = latents[:n].to(device)
    y = tokens[:n].to(device)
    noise = torch.randn(z0.shape, generator=torch.Generator().manual_seed(0)).to(device)
    free = sample(model, noise, y, steps, config.schedule.shift, guidance)
    mask = (torch.arange(config.frames)[None, :] < 2).float().expand(n, -1).to(device)
    cont = sample(model, noise, y, steps, config.schedule.shift, guidance, context=z0, mask=mask)
    rows = torch.cat([ae.decode(z0), ae.decode(free), ae.decode(cont)])  # truth, free, continued
    path.parent.mkdir(parents=True, exist_ok=True)
    write_png(str(path), clip_grid(to_uint8(rows)))


def run_model(model_state: Optional[dict], config: ModelConfig, runtime: Runtime) -> DiT:
    model = DiT(config)
    if model_state:
        model.load_state_dict(model_state)
    return model.to(runtime.device)


# ---------------------------------------------------------------------------------------------
# Stage 2: the teacher

def train_teacher(args, runtime: Runtime, checkpoints: Checkpoints) -> None:
    train_loop(args, runtime, checkpoints, stage="teacher")


def train_loop(args, runtime: Runtime, checkpoints: Checkpoints, stage: str) -> None:
    clips, meta = world_dataset(args.count, args.seed, args.frames, args.size)
    config = model_config(args.preset, meta["vocabulary"])
    ae, config = load_autoencoder(config, checkpoints, runtime.device)
    scale = config.autoencoder.latent_scale
    latents = encode_dataset(ae, clips, runtime.device, checkpoints.run / f"latents-{scale}.pt")
    mirrored = (encode_dataset(ae, clips, runtime.device,
                               checkpoints.run / f"latents-{scale}-mirror.pt", mirror=True)
                if args.mirror else None)
    if runtime.device.type == "cuda":  # a GPU holds the whole set; batches never cross the bus
        latents = latents.to(runtime.device)
        mirrored = mirrored.to(runtime.device) if mirrored is not None else None
    tokens = token_table(meta["captions"], config)
    val = slice(len(latents) - 256, len(latents))
    train_n = len(latents) - 256

    state = None if args.fresh else checkpoints.load(stage)
    teacher = None
    if stage == "distill":
        teacher_state = checkpoints.load("teacher")
        if teacher_state is None:
            raise SystemExit("no teacher checkpoint: train the teacher first")
        teacher = run_model(teacher_state["ema"], config, runtime).eval().requires_grad_(False)
        if state is None:  # the student starts as the teacher
            state = {"model": teacher_state["ema"], "ema": teacher_state["ema"], "step": 0}
    model = run_model(state["model"] if state else None, config, runtime)
    ema = Ema(model, args.ema)
    if state and "ema" in state:
        ema.model.load_state_dict(state["ema"])
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0, betas=(0.9, 0.99))
    if state and "opt" in state:
        opt.load_state_dict(state["opt"])
    step = state["step"] if state else 0
    minutes_before = state.get("minutes", 0.0) if state and step > 0 else 0.0  # over resumed runs
    # Resumed from a lean checkpoint (no optimiser state): warm the fresh Adam moments up again.
    warm_from = step if state and "opt" not in state else 0
    if runtime.distributed:
        model = DistributedDataParallel(model, device_ids=[runtime.device] if runtime.device.type == "cuda" else None)

    log = Log(checkpoints.run / f"{stage}.log.jsonl", runtime)
    if runtime.is_main:
        params = sum(p.numel() for p in unwrap(model).parameters())
        log.write({"stage": stage, "step": step, "params": params, "tokens": config.tokens,
                   "device": str(runtime.device), "world_size": runtime.world_size})
    gen = torch.Generator().manual_seed(args.seed * 7919 + step * 31 + runtime.rank)
    val_gen_seed = 1234
    deadline = time.time() + args.minutes * 60
    started = last = last_save = last_grid = time.time()

    def trained_minutes() -> float:  # over every run of this stage, for the model card
        return minutes_before + (time.time() - started) / 60

    losses: List[float] = []
    while keep_going(deadline, step, args.max_steps):
        index = torch.randint(0, train_n, (args.batch,), generator=gen)
        z0, y, mask = make_batch(latents, tokens, index, gen, args, config, mirrored)
        for group in opt.param_groups:
            group["lr"] = (warmup_lr(step - warm_from, args.lr, args.warmup)
                           * cooldown_factor(deadline - time.time(), args.cooldown_minutes))
        if stage == "teacher":
            loss = teacher_loss(model, z0, y, mask, gen, runtime)
        else:
            loss = distill_loss(model, teacher, z0, y, mask, gen, runtime, config, args)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(unwrap(model), step)
        step += 1
        losses.append(loss.item())
        if step % args.log_every == 0:
            now = time.time()
            mean = all_reduce_mean(torch.tensor(float(np.mean(losses))), runtime).item()
            log.write({"stage": stage, "step": step, "loss": mean, "lr": opt.param_groups[0]["lr"],
                       "steps_per_s": args.log_every / (now - last),
                       "minutes": (now - started) / 60})
            losses, last = [], now
        if step % args.val_every == 0 and runtime.is_main:
            vgen = torch.Generator().manual_seed(val_gen_seed)
            vidx = torch.arange(val.start, val.stop)
            z0v, yv, maskv = make_batch(latents, tokens, vidx, vgen, args, config)
            with torch.no_grad():
                if stage == "teacher":
                    vloss = teacher_loss(ema.model, z0v, yv, maskv, vgen, runtime).item()
                else:
                    vloss = distill_loss(ema.model, teacher, z0v, yv, maskv, vgen, runtime, config,
                                         args).item()
            log.write({"stage": stage, "step": step, "val_loss_ema": vloss})
        if runtime.is_main and time.time() - last_grid > args.grid_minutes * 60:
            grid_steps, grid_guidance = ((args.student_steps, 1.0) if stage == "distill"
                                         else (args.sample_steps, args.guidance))
            sample_grid(ema.model, ae, latents[val], tokens[val], config, grid_steps,
                        grid_guidance, checkpoints.run / "samples" / f"{stage}-{step}.png",
                        runtime.device)
            last_grid = time.time()
        if runtime.is_main and time.time() - last_save > args.save_minutes * 60:
            save_model(checkpoints, stage, model, ema, opt, step, config, trained_minutes())
            last_save = time.time()
    if runtime.is_main:
        save_model(checkpoints, stage, model, ema, opt, step, config, trained_minutes())
        grid_steps, grid_guidance = ((args.student_steps, 1.0) if stage == "distill"
                                     else (args.sample_steps, args.guidance))
        sample_grid(ema.model, ae, latents[val], tokens[val], config, grid_steps, grid_guidance,
                    checkpoints.run / "samples" / f"{stage}-{step}.png", runtime.device)


def save_model(checkpoints: Checkpoints, stage: str, model, ema: Ema, opt, step: int,
               config: ModelConfig, minutes: float) -> None:
    """minutes: wall-clock training time over every run so far (the model card reports it)."""
    state = {"model": unwrap(model).state_dict(), "ema": ema.model.state_dict(),
             "opt": opt.state_dict(), "step": step, "config": config.to_json(),
             "minutes": minutes}
    checkpoints.save(stage, state, lean_keys=("model", "ema", "step", "config", "minutes"))


# ---------------------------------------------------------------------------------------------
# Stage 3: the few-step student

def distill_loss(student, teacher, z0, y, mask, gen, runtime: Runtime, config: ModelConfig,
                 args) -> torch.Tensor:
    """Multi-step teacher matching with guidance baked in.

    The student's one Euler step over an interval of its n-step schedule (n in 1, 2, 4) must land
    where `args.teacher_substeps` guided teacher steps over the same interval land. Starting
    points x_t are drawn from the forward process, whose marginals the teacher's ODE preserves.
    """
    b = z0.shape[0]
    n_choices = torch.tensor([1, 2, 4])
    n = n_choices[torch.multinomial(torch.tensor([0.15, 0.25, 0.6]), b, replacement=True,
                                    generator=gen)]
    interval = (torch.rand(b, generator=gen) * n).floor().long()  # which step of the n
    t0 = torch.tensor([timesteps(int(k), config.schedule.shift)[int(i)] for k, i in zip(n, interval)])
    t1 = torch.tensor([timesteps(int(k), config.schedule.shift)[int(i) + 1] for k, i in zip(n, interval)])
    noise = torch.randn(z0.shape, generator=gen)
    z0, noise, t0, t1, y, mask = (v.to(runtime.device) for v in (z0, noise, t0, t1, y, mask))
    x = add_noise(z0, noise, t0)
    extra = context_channels(z0, mask, x)
    unconditional = (y[:, 0] == NULL)
    scale = torch.where(unconditional, torch.ones_like(t0), torch.full_like(t0, args.guidance))
    null = torch.zeros_like(y)
    null[:, 0] = NULL
    with torch.no_grad():
        target = x
        k = args.teacher_substeps
        for j in range(k):
            ta = t0 + (t1 - t0) * j / k
            tb = t0 + (t1 - t0) * (j + 1) / k
            inp = torch.cat([target, extra], dim=1)
            with runtime.autocast():
                v_both = teacher(torch.cat([inp, inp]), torch.cat([ta, ta]), torch.cat([y, null]))
            v_cond, v_uncond = v_both.float().chunk(2)
            v = guide(v_cond, v_uncond, scale[:, None, None, None, None])
            target = euler_step(target, v, ta[:, None, None, None, None],
                                tb[:, None, None, None, None])
        v_target = (target - x) / (t1 - t0)[:, None, None, None, None]
    with runtime.autocast():
        v_student = student(torch.cat([x, extra], dim=1), t0, y)
    weight = (1 - mask)[:, None, :, None, None]
    err = (v_student.float() - v_target) ** 2 * weight
    return err.sum() / (weight.sum() * err.shape[1] * err.shape[3] * err.shape[4])


def train_student(args, runtime: Runtime, checkpoints: Checkpoints) -> None:
    train_loop(args, runtime, checkpoints, stage="distill")


# ---------------------------------------------------------------------------------------------

STAGES = {"ae": train_autoencoder, "teacher": train_teacher, "distill": train_student}

DEFAULTS = {
    "ae": dict(batch=128, lr=2e-3),
    "teacher": dict(batch=32, lr=1e-3),
    "distill": dict(batch=32, lr=2e-4),
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage", choices=list(STAGES))
    p.add_argument("--preset", default="balls-s")
    p.add_argument("--run", help="run folder (default training/runs/<preset>)")
    p.add_argument("--minutes", type=float, default=60, help="wall-clock budget of this run")
    p.add_argument("--max-steps", type=int, default=10**9)
    p.add_argument("--count", type=int, default=20000, help="clips in the training set")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--batch", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--cooldown-minutes", type=float, default=0,
                   help="decay the lr linearly to zero over the run's last minutes (for a final run)")
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--prompt-dropout", type=float, default=0.1, help="for classifier-free guidance")
    p.add_argument("--context-share", type=float, default=0.5, help="examples given 1-2 frames")
    p.add_argument("--no-mirror", dest="mirror", action="store_false",
                   help="train on the clips only, not also on their left-right mirror images")
    p.add_argument("--guidance", type=float, default=2.0)
    p.add_argument("--sample-steps", type=int, default=16, help="teacher steps in sample grids")
    p.add_argument("--student-steps", type=int, default=4)
    p.add_argument("--teacher-substeps", type=int, default=4, help="teacher steps per student step")
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--val-every", type=int, default=500)
    p.add_argument("--grid-minutes", type=float, default=15)
    p.add_argument("--save-minutes", type=float, default=10)
    p.add_argument("--fresh", action="store_true",
                   help="ignore this stage's checkpoint and start over (e.g. distill again from a "
                        "newer teacher); the checkpoint is replaced at the first save")
    args = p.parse_args(argv)
    for key, value in DEFAULTS[args.stage].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    runtime = start_runtime()
    if args.run:  # an experiment keeps everything in its own folder
        run = Path(args.run)
        checkpoints = Checkpoints(run, run / "lean")
    else:
        checkpoints = Checkpoints(ROOT / "training" / "runs" / args.preset,
                                  ROOT / "training" / "checkpoints" / args.preset)
    torch.manual_seed(args.seed + runtime.rank)
    global STOP
    STOP = StopFlag()
    try:
        STAGES[args.stage](args, runtime, checkpoints)
    finally:
        stop_runtime(runtime)


if __name__ == "__main__":
    main()
