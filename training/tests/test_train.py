"""The training loop's pure parts: batches (mirrors, dropped prompts, context) and the lr plan."""

from __future__ import annotations

import argparse
import unittest

import torch

from tessera.config import preset
from tessera.tokenizer import NULL, PAD
from train import cooldown_factor, make_batch, warmup_lr


def batch_args(**overrides) -> argparse.Namespace:
    return argparse.Namespace(**{"prompt_dropout": 0.0, "context_share": 0.0, **overrides})


class MakeBatchTest(unittest.TestCase):
    def setUp(self):
        self.config = preset("tiny")
        n = 40
        self.latents = torch.zeros(n, *self.config.latent_shape)
        self.mirrored = torch.ones(n, *self.config.latent_shape)
        self.tokens = torch.arange(1, n + 1)[:, None].repeat(1, self.config.text.max_tokens) + 2
        self.index = torch.arange(n)

    def test_mirrored_clips_make_up_about_half_a_batch_and_keep_their_prompt(self):
        gen = torch.Generator().manual_seed(0)
        z0, y, _ = make_batch(self.latents, self.tokens, self.index, gen, batch_args(),
                              self.config, self.mirrored)
        per_clip = z0.flatten(1)
        whole = (per_clip == 0).all(dim=1) | (per_clip == 1).all(dim=1)
        self.assertTrue(whole.all())  # each clip comes from one set, never a blend
        share = (per_clip[:, 0] == 1).float().mean().item()
        self.assertGreater(share, 0.2)
        self.assertLess(share, 0.8)
        torch.testing.assert_close(y, self.tokens)

    def test_without_mirrors_the_clips_are_the_latents(self):
        gen = torch.Generator().manual_seed(0)
        z0, _, _ = make_batch(self.latents, self.tokens, self.index, gen, batch_args(), self.config)
        self.assertTrue((z0 == 0).all())

    def test_dropped_prompts_become_null_and_context_is_a_prefix_of_frames(self):
        gen = torch.Generator().manual_seed(1)
        _, y, mask = make_batch(self.latents, self.tokens, self.index, gen,
                                batch_args(prompt_dropout=0.5, context_share=0.5), self.config)
        dropped = y[:, 0] == NULL
        self.assertTrue(0 < dropped.sum() < len(y))
        self.assertTrue((y[dropped, 1:] == PAD).all())
        given = mask.sum(dim=1)
        self.assertTrue(((given >= 0) & (given <= self.config.context.max_frames)).all())
        self.assertTrue((given > 0).any() and (given == 0).any())
        for row, k in zip(mask, given.long()):
            self.assertTrue((row[:k] == 1).all() and (row[k:] == 0).all())


class LearningRateTest(unittest.TestCase):
    def test_warmup_rises_linearly_to_the_peak(self):
        self.assertAlmostEqual(warmup_lr(0, 1e-3, 100), 1e-5)
        self.assertAlmostEqual(warmup_lr(49, 1e-3, 100), 5e-4)
        self.assertAlmostEqual(warmup_lr(5000, 1e-3, 100), 1e-3)

    def test_cooldown_takes_the_last_minutes_linearly_to_zero(self):
        self.assertEqual(cooldown_factor(3600, 0), 1.0)  # no cooldown asked for
        self.assertEqual(cooldown_factor(1200, 10), 1.0)  # before the window
        self.assertAlmostEqual(cooldown_factor(300, 10), 0.5)
        self.assertEqual(cooldown_factor(0, 10), 0.0)
        self.assertEqual(cooldown_factor(-5, 10), 0.0)  # past the deadline, never negative


if __name__ == "__main__":
    unittest.main()
