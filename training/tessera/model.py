"""The Tessera DiT: a space-time-patch diffusion transformer with adaLN-Zero blocks.

Names follow facebookresearch/DiT `models.py` one for one; the WGSL engine mirrors them.
Layout: clips are (N, C, T, H, W); tokens are (N, L, D) in (t, h, w) row-major order.
"""

from __future__ import annotations

import math
from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn as nn

from tessera.config import ModelConfig

FREQUENCY_DIM = 256
LN_EPS = 1e-6


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)  # (N, L, D)


# ---------------------------------------------------------------------------------------------
# Fixed 3-D sincos positions (not weights: recomputed for any grid, in float64 then cast).

def get_1d_sincos_pos_embed(dim: int, pos: np.ndarray) -> np.ndarray:
    """MAE-style [sin(pos*omega), cos(pos*omega)], omega_i = 1/10000^(i/(dim/2))."""
    omega = np.arange(dim // 2, dtype=np.float64) / (dim / 2.0)
    omega = 1.0 / 10000 ** omega  # (dim/2,)
    out = np.einsum("m,d->md", pos.reshape(-1).astype(np.float64), omega)  # (M, dim/2)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)  # (M, dim)


def get_3d_sincos_pos_embed(dim: int, grid: Tuple[int, int, int]) -> np.ndarray:
    """(L, dim) = [t-part dim/4, h-part 3dim/8, w-part 3dim/8] for tokens in (t, h, w) order."""
    gt, gh, gw = grid
    d_t, d_hw = dim // 4, 3 * dim // 8
    t, h, w = np.meshgrid(np.arange(gt), np.arange(gh), np.arange(gw), indexing="ij")
    return np.concatenate([get_1d_sincos_pos_embed(d_t, t),
                           get_1d_sincos_pos_embed(d_hw, h),
                           get_1d_sincos_pos_embed(d_hw, w)], axis=1)  # (L, dim)


# ---------------------------------------------------------------------------------------------
# Embedders

class PatchEmbed3D(nn.Module):
    """Space-time patches → tokens: a Conv3d with kernel = stride = patch."""

    def __init__(self, in_channels: int, dim: int, patch: Tuple[int, int, int]):
        super().__init__()
        self.proj = nn.Conv3d(in_channels, dim, kernel_size=patch, stride=patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x)  # (N, D, T', H', W')
        return x.flatten(2).transpose(1, 2)  # (N, L, D)


class TimestepEmbedder(nn.Module):
    """t in [0, 1] → (N, D), through DiT's sinusoid of t*1000 and a two-layer MLP."""

    def __init__(self, dim: int, frequency_dim: int = FREQUENCY_DIM):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(frequency_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.frequency_dim = frequency_dim

    @staticmethod
    def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000) -> torch.Tensor:
        half = dim // 2
        freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=t.dtype) / half)
        args = t[:, None] * freqs[None]  # (N, half)
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)  # (N, dim)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        t_freq = self.timestep_embedding(t * 1000, self.frequency_dim)  # (N, 256)
        return self.mlp(t_freq)  # (N, D)


class PromptEmbedder(nn.Module):
    """Token ids → (N, D): mean of the non-pad embeddings (<null> row if none), then an MLP."""

    def __init__(self, vocab_size: int, dim: int):
        super().__init__()
        self.embedding_table = nn.Embedding(vocab_size, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def pool(self, y: torch.Tensor) -> torch.Tensor:
        e = self.embedding_table(y)  # (N, K, D)
        mask = (y != 0).to(e.dtype).unsqueeze(-1)  # (N, K, 1)
        count = mask.sum(dim=1)  # (N, 1)
        mean = (e * mask).sum(dim=1) / count.clamp(min=1)  # (N, D)
        return torch.where(count > 0, mean, self.embedding_table.weight[1])  # (N, D)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.pool(y))  # (N, D)


# ---------------------------------------------------------------------------------------------
# Transformer

class Attention(nn.Module):
    """Full self-attention over all space-time tokens, written out (no fused kernels)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, l, d = x.shape
        qkv = self.qkv(x).reshape(n, l, 3, self.heads, self.head_dim)  # (N, L, 3, H, hd)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # 3 x (N, H, L, hd)
        attn = (q @ k.transpose(-2, -1)) * self.scale  # (N, H, L, L)
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(n, l, d)  # (N, L, D)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU(approximate="tanh")
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))  # (N, L, D)


class DiTBlock(nn.Module):
    """adaLN-Zero block: c sets shift/scale/gate of attention and MLP; gates start at zero."""

    def __init__(self, dim: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=LN_EPS)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=LN_EPS)
        self.mlp = Mlp(dim, dim * mlp_ratio)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        (shift_msa, scale_msa, gate_msa,
         shift_mlp, scale_mlp, gate_mlp) = self.adaLN_modulation(c).chunk(6, dim=1)  # 6 x (N, D)
        x = x + gate_msa.unsqueeze(1) * self.attn(modulate(self.norm1(x), shift_msa, scale_msa))
        x = x + gate_mlp.unsqueeze(1) * self.mlp(modulate(self.norm2(x), shift_mlp, scale_mlp))
        return x  # (N, L, D)


class FinalLayer(nn.Module):
    def __init__(self, dim: int, patch_dim: int):
        super().__init__()
        self.norm_final = nn.LayerNorm(dim, elementwise_affine=False, eps=LN_EPS)
        self.linear = nn.Linear(dim, patch_dim)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)  # 2 x (N, D)
        x = modulate(self.norm_final(x), shift, scale)  # (N, L, D)
        return self.linear(x)  # (N, L, pt*ph*pw*C)


class DiT(nn.Module):
    """Denoiser: (x_t [+ context, mask], t, prompt tokens) → velocity (N, C, T, H, W)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.patch = tuple(config.patch)
        self.out_channels = config.out_channels
        self.x_embedder = PatchEmbed3D(config.in_channels, config.dim, self.patch)
        self.t_embedder = TimestepEmbedder(config.dim)
        self.y_embedder = PromptEmbedder(config.vocab_size, config.dim)
        self.blocks = nn.ModuleList([DiTBlock(config.dim, config.heads, config.mlp_ratio)
                                     for _ in range(config.depth)])
        self.final_layer = FinalLayer(config.dim, config.patch_dim)
        self._pos_cache: Dict[Tuple[int, int, int], np.ndarray] = {}
        self.initialize_weights()

    def initialize_weights(self) -> None:
        def _basic_init(module: nn.Module) -> None:
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        self.apply(_basic_init)
        w = self.x_embedder.proj.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))  # as a Linear over flattened patches
        nn.init.zeros_(self.x_embedder.proj.bias)
        nn.init.normal_(self.y_embedder.embedding_table.weight, std=0.02)
        for embedder in (self.t_embedder, self.y_embedder):
            nn.init.normal_(embedder.mlp[0].weight, std=0.02)
            nn.init.normal_(embedder.mlp[2].weight, std=0.02)
        # adaLN-Zero: every block starts as the identity and the output as zero.
        for block in self.blocks:
            nn.init.zeros_(block.adaLN_modulation[-1].weight)
            nn.init.zeros_(block.adaLN_modulation[-1].bias)
        nn.init.zeros_(self.final_layer.adaLN_modulation[-1].weight)
        nn.init.zeros_(self.final_layer.adaLN_modulation[-1].bias)
        nn.init.zeros_(self.final_layer.linear.weight)
        nn.init.zeros_(self.final_layer.linear.bias)

    def pos_embed(self, grid: Tuple[int, int, int], dtype: torch.dtype) -> torch.Tensor:
        if grid not in self._pos_cache:
            self._pos_cache[grid] = get_3d_sincos_pos_embed(self.config.dim, grid)
        return torch.from_numpy(self._pos_cache[grid]).to(dtype)  # (L, D)

    def unpatchify(self, x: torch.Tensor, grid: Tuple[int, int, int]) -> torch.Tensor:
        """(N, L, pt*ph*pw*C) with within-patch order (pt, ph, pw, C) → (N, C, T, H, W)."""
        gt, gh, gw = grid
        pt, ph, pw = self.patch
        c = self.out_channels
        x = x.reshape(x.shape[0], gt, gh, gw, pt, ph, pw, c)
        x = x.permute(0, 7, 1, 4, 2, 5, 3, 6)  # (N, C, T', pt, H', ph, W', pw)
        return x.reshape(x.shape[0], c, gt * pt, gh * ph, gw * pw)  # (N, C, T, H, W)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """x: (N, Cin, T, H, W), t: (N,) in [0, 1], y: (N, K) token ids → (N, C, T, H, W)."""
        _, _, T, H, W = x.shape
        pt, ph, pw = self.patch
        grid = (T // pt, H // ph, W // pw)
        x = self.x_embedder(x) + self.pos_embed(grid, x.dtype)  # (N, L, D)
        c = self.t_embedder(t) + self.y_embedder(y)  # (N, D)
        for block in self.blocks:
            x = block(x, c)  # (N, L, D)
        x = self.final_layer(x, c)  # (N, L, pt*ph*pw*C)
        return self.unpatchify(x, grid)  # (N, C, T, H, W)
