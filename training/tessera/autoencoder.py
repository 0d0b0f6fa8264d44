"""The video compression network: a per-frame convolutional autoencoder.

Each frame is encoded on its own (2-D convs), so latent frames = pixel frames and the DiT
sees (N, C_latent, T, H / 2^levels, W / 2^levels). Pixels are in [-1, 1].
"""

from __future__ import annotations

from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

from tessera.config import ModelConfig


def frames_to_batch(x: torch.Tensor) -> torch.Tensor:
    n, c, t, h, w = x.shape
    return x.permute(0, 2, 1, 3, 4).reshape(n * t, c, h, w)  # (N*T, C, H, W)


def batch_to_frames(x: torch.Tensor, n: int) -> torch.Tensor:
    nt, c, h, w = x.shape
    return x.reshape(n, nt // n, c, h, w).permute(0, 2, 1, 3, 4)  # (N, C, T, H, W)


class DownBlock(nn.Module):
    """GroupNorm, SiLU, 3x3 conv with stride 2: halves H and W."""

    def __init__(self, c_in: int, c_out: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, c_in)
        self.conv = nn.Conv2d(c_in, c_out, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.silu(self.norm(x)))  # (B, c_out, H/2, W/2)


class UpBlock(nn.Module):
    """GroupNorm, SiLU, nearest 2x upsample, 3x3 conv: doubles H and W."""

    def __init__(self, c_in: int, c_out: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, c_in)
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(F.silu(self.norm(x)), scale_factor=2.0, mode="nearest")
        return self.conv(x)  # (B, c_out, 2H, 2W)


def level_channels(hidden: List[int]) -> List[tuple]:
    """(c_in, c_out) of encoder level i: the first level keeps conv_in's width."""
    return [(hidden[max(i - 1, 0)], h) for i, h in enumerate(hidden)]


class Encoder(nn.Module):
    def __init__(self, channels: int, hidden: List[int], latent_channels: int, groups: int):
        super().__init__()
        self.conv_in = nn.Conv2d(channels, hidden[0], 3, padding=1)
        self.down = nn.ModuleList([DownBlock(ci, co, groups) for ci, co in level_channels(hidden)])
        self.norm_out = nn.GroupNorm(groups, hidden[-1])
        self.conv_out = nn.Conv2d(hidden[-1], latent_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_in(x)  # (B, h0, H, W)
        for block in self.down:
            x = block(x)  # (B, h_i, H/2^(i+1), W/2^(i+1))
        return self.conv_out(F.silu(self.norm_out(x)))  # (B, latent, Hl, Wl)


class Decoder(nn.Module):
    """Mirror of the encoder: up level i undoes down level (levels-1-i)."""

    def __init__(self, channels: int, hidden: List[int], latent_channels: int, groups: int):
        super().__init__()
        self.conv_in = nn.Conv2d(latent_channels, hidden[-1], 3, padding=1)
        self.up = nn.ModuleList([UpBlock(co, ci, groups)
                                 for ci, co in reversed(level_channels(hidden))])
        self.norm_out = nn.GroupNorm(groups, hidden[0])
        self.conv_out = nn.Conv2d(hidden[0], channels, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.conv_in(z)  # (B, h_last, Hl, Wl)
        for block in self.up:
            x = block(x)  # (B, ..., 2x, 2x)
        return self.conv_out(F.silu(self.norm_out(x)))  # (B, channels, H, W)


class Autoencoder(nn.Module):
    """encode: pixels (N, 3, T, H, W) → latents (N, C, T, Hl, Wl) * latent_scale; decode inverts."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        ae = config.autoencoder
        if ae is None:
            raise ValueError(f"model {config.id!r} has no autoencoder (config.autoencoder is null)")
        hidden = list(ae.hidden)
        self.latent_scale = ae.latent_scale
        self.encoder = Encoder(config.channels, hidden, ae.latent_channels, ae.groups)
        self.decoder = Decoder(config.channels, hidden, ae.latent_channels, ae.groups)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        z = self.encoder(frames_to_batch(x))  # (N*T, C, Hl, Wl)
        return batch_to_frames(z, x.shape[0]) * self.latent_scale  # (N, C, T, Hl, Wl)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        x = self.decoder(frames_to_batch(z / self.latent_scale))  # (N*T, 3, H, W)
        return batch_to_frames(x, z.shape[0])  # (N, 3, T, H, W)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
