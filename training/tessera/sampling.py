"""Rectified flow: noising, the few-step schedule, the Euler sampler and classifier-free guidance.

x_t = (1 - t) x0 + t noise (t = 1 is pure noise); the model predicts v = noise - x0, so a step
from t to t_next is x + (t_next - t) v. src/engine/sampler/schedule.ts mirrors this file.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional

import torch

from tessera.tokenizer import null_tokens


def add_noise(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    t = t.reshape(-1, *([1] * (x0.dim() - 1)))  # (N, 1, 1, 1, 1)
    return (1 - t) * x0 + t * noise  # (N, C, T, H, W)


def velocity_target(x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    return noise - x0


def shift_time(t: float, shift: float) -> float:
    """Spend more steps at high noise when shift > 1 (SD3's time shift)."""
    return shift * t / (1 + (shift - 1) * t)


def timesteps(steps: int, shift: float) -> List[float]:
    """steps + 1 times from 1 down to 0: t_i = shift_time(1 - i / steps)."""
    if steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps}")
    return [shift_time(1.0 - i / steps, shift) for i in range(steps + 1)]


def euler_step(x: torch.Tensor, v: torch.Tensor, t: float, t_next: float) -> torch.Tensor:
    return x + (t_next - t) * v


def guide(v_cond: torch.Tensor, v_uncond: torch.Tensor, scale: float) -> torch.Tensor:
    """Classifier-free guidance; scale 1 is the conditional model, 0 the unconditional one."""
    return v_uncond + scale * (v_cond - v_uncond)


def context_channels(context: Optional[torch.Tensor], mask: Optional[torch.Tensor],
                     like: torch.Tensor) -> torch.Tensor:
    """[context latent (zeros where not given), mask (1 on given frames)]: (N, C + 1, T, H, W)."""
    n, c, t, h, w = like.shape
    if context is None:
        return like.new_zeros(n, c + 1, t, h, w)
    m = mask.to(like.dtype).reshape(n, 1, t, 1, 1).expand(n, 1, t, h, w)  # (N, 1, T, H, W)
    return torch.cat([context * m, m], dim=1)  # (N, C + 1, T, H, W)


def frame_mask(n: int, frames: int, given: int) -> torch.Tensor:
    """(N, T) with 1 on the first `given` frames (the context of a continuation)."""
    mask = torch.zeros(n, frames)
    mask[:, :given] = 1
    return mask


Trace = Optional[Dict[str, torch.Tensor]]


def sample(model: Callable, noise: torch.Tensor, tokens: torch.Tensor, steps: int, shift: float,
           guidance: float, context: Optional[torch.Tensor] = None,
           mask: Optional[torch.Tensor] = None, use_context: bool = True,
           trace: Trace = None) -> torch.Tensor:
    """Few-step Euler sampling with batched CFG (cond rows first, then uncond rows).

    noise: (N, C, T, H, W); tokens: (N, K); context/mask: (N, C, T, H, W)/(N, T) or None.
    use_context: whether the model takes the context channels (config.context.max_frames > 0).
    Given context frames replace the corresponding frames of the final sample.
    """
    n = noise.shape[0]
    null = torch.tensor([null_tokens(tokens.shape[1])] * n, dtype=tokens.dtype)
    y = torch.cat([tokens, null], dim=0)  # (2N, K)
    ts = timesteps(steps, shift)
    x = noise
    extra = context_channels(context, mask, noise) if use_context else None
    for i in range(steps):
        t, t_next = ts[i], ts[i + 1]
        inp = x if extra is None else torch.cat([x, extra], dim=1)  # (N, Cin, T, H, W)
        t_batch = torch.full((2 * n,), t, dtype=x.dtype)
        v_cond, v_uncond = model(torch.cat([inp, inp]), t_batch, y).chunk(2)  # 2 x (N, C, ...)
        v = guide(v_cond, v_uncond, guidance)
        if trace is not None:
            trace[f"step.{i}.x"] = x
            trace[f"step.{i}.v_cond"] = v_cond
            trace[f"step.{i}.v_uncond"] = v_uncond
            trace[f"step.{i}.v"] = v
        x = euler_step(x, v, t, t_next)
    if context is not None:
        given = mask.reshape(n, 1, -1, 1, 1) > 0  # (N, 1, T, 1, 1)
        x = torch.where(given, context, x)
    return x
