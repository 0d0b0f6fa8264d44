"""The world dataset reader against a tiny dataset made by the TypeScript CLI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

from data_world import load_world_dataset

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKGROUND = (16, 16, 20)


def make_dataset(directory: str, count: int, frames: int, size: int) -> None:
    subprocess.run(["npx", "tsx", "scripts/world-dataset.ts", "--count", str(count), "--seed", "5",
                    "--out", directory, "--frames", str(frames), "--size", str(size)],
                   cwd=REPO, check=True, capture_output=True, timeout=120)


@unittest.skipIf(shutil.which("npx") is None, "node/npx not found: cannot run scripts/world-dataset.ts")
class LoadWorldDatasetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.directory = tempfile.mkdtemp(prefix="world-dataset-")
        make_dataset(cls.directory, count=6, frames=5, size=20)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.directory, ignore_errors=True)

    def test_shapes_and_meta(self) -> None:
        clips, meta = load_world_dataset(self.directory)
        self.assertEqual(clips.dtype, np.uint8)
        self.assertEqual(clips.shape, (6, 5, 20, 20, 3))
        self.assertEqual((meta["count"], meta["frames"], meta["seed"]), (6, 5, 5))
        mapped, _ = load_world_dataset(self.directory, mmap=True)
        np.testing.assert_array_equal(mapped, clips)
        for scene, states in zip(meta["scenes"], meta["states"]):
            self.assertEqual(len(states), 5)
            self.assertTrue(all(len(frame) == len(scene["balls"]) for frame in states))
            self.assertTrue(all(len(ball) == 4 for frame in states for ball in frame))

    def test_pixels_are_rgb_rows(self) -> None:
        clips, meta = load_world_dataset(self.directory)
        self.assertEqual(tuple(clips[0, 0, 0, 0]), BACKGROUND)  # corners are background
        # The pixel under a ball's centre in frame 0 is not background.
        x, y = meta["scenes"][0]["balls"][0]["x"], meta["scenes"][0]["balls"][0]["y"]
        self.assertNotEqual(tuple(clips[0, 0, int(y), int(x)]), BACKGROUND)

    def test_captions_tokenize_into_the_vocabulary(self) -> None:
        _, meta = load_world_dataset(self.directory)
        vocabulary = set(meta["vocabulary"])
        self.assertEqual(meta["vocabulary"], sorted(vocabulary))
        for caption, scene in zip(meta["captions"], meta["scenes"]):
            words = re.findall("[a-z]+", caption.lower())
            self.assertTrue(set(words) <= vocabulary, caption)
            colours = [w for w in words if w in {b["colour"] for b in scene["balls"]}]
            self.assertEqual(colours, [b["colour"] for b in scene["balls"]], caption)

    def test_rejects_a_truncated_dataset(self) -> None:
        broken = tempfile.mkdtemp(prefix="world-broken-")
        try:
            shutil.copy(os.path.join(self.directory, "meta.json"), broken)
            with open(os.path.join(self.directory, "clips.u8"), "rb") as f:
                data = f.read()
            with open(os.path.join(broken, "clips.u8"), "wb") as f:
                f.write(data[:-3])
            with self.assertRaisesRegex(ValueError, "holds"):
                load_world_dataset(broken)
        finally:
            shutil.rmtree(broken, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
