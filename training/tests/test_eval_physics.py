"""The generation half of the physics evaluation on a random tiny model."""

from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from data_world import load_world_dataset
from eval_physics import CONTEXT_FRAMES, generate, write_set
from tessera.config import preset
from tessera.model import DiT
from tessera.tokenizer import tokenize


class GenerateTest(unittest.TestCase):
    def test_continuations_keep_the_given_frames_and_batches_do_not_matter(self):
        torch.manual_seed(0)
        config = preset("tiny")
        model = DiT(config).eval()
        for p in model.parameters():  # adaLN-Zero starts at zero output; make it do something
            p.data.normal_(0, 0.05)
        n = 19  # not a multiple of the batch size
        noise = torch.randn(n, *config.latent_shape)
        context = torch.randn(n, *config.latent_shape)
        words = config.text.vocabulary
        tokens = torch.tensor([tokenize(f"{words[i % 3]} ball", words, config.text.max_tokens)
                               for i in range(n)])
        out = generate(model, config, noise, tokens, 2, 2.0, context)
        self.assertEqual(out.shape, noise.shape)
        torch.testing.assert_close(out[:, :, :CONTEXT_FRAMES], context[:, :, :CONTEXT_FRAMES])
        self.assertFalse(torch.allclose(out[:, :, CONTEXT_FRAMES:], context[:, :, CONTEXT_FRAMES:]))
        alone = generate(model, config, noise[-3:], tokens[-3:], 2, 2.0, context[-3:])
        torch.testing.assert_close(alone, out[-3:], rtol=1e-5, atol=1e-5)
        free = generate(model, config, noise, tokens, 2, 2.0, None)  # same noise, no context
        self.assertFalse(torch.allclose(free[:, :, CONTEXT_FRAMES:], out[:, :, CONTEXT_FRAMES:]))


class WriteSetTest(unittest.TestCase):
    def test_a_set_reads_back_as_a_world_dataset(self):
        meta = {"format": "tessera-world-dataset", "version": 1, "count": 2, "frames": 3,
                "height": 4, "width": 5, "channels": 3, "captions": ["a", "b"],
                "scenes": [{}, {}], "states": [[], []]}
        clips = np.random.default_rng(0).integers(0, 256, (2, 3, 4, 5, 3), dtype=np.uint8)
        with tempfile.TemporaryDirectory() as directory:
            folder = Path(directory) / "set"
            write_set(folder, clips, meta, {"model": "teacher", "steps": 4, "kind": "free"})
            read, read_meta = load_world_dataset(str(folder))
            np.testing.assert_array_equal(read, clips)
            self.assertEqual(read_meta["generated"]["kind"], "free")
            self.assertNotIn("generated", meta)  # the eval set's own meta is left alone
            with open(folder / "meta.json", encoding="utf-8") as f:
                self.assertEqual(json.load(f)["captions"], ["a", "b"])


if __name__ == "__main__":
    unittest.main()
