import json
import unittest

from tessera.config import ConfigError, ModelConfig, preset, preset_names
from tessera.tokenizer import UnknownWordsError, null_tokens, tokenize


def tiny_json():
    obj = preset("tiny").to_json()
    obj["sha256"] = "ab" * 32
    return obj


class ConfigTest(unittest.TestCase):
    def assertConfigError(self, obj, field, *words):
        with self.assertRaises(ConfigError) as cm:
            ModelConfig.from_json(obj)
        self.assertEqual(cm.exception.field, field, str(cm.exception))
        for w in words:
            self.assertIn(w, str(cm.exception))

    def test_presets_and_derived_fields(self):
        self.assertEqual(set(preset_names()), {"tiny", "balls-s"})
        s = preset("balls-s")
        self.assertEqual((s.head_dim, s.downsample, s.latent_shape, s.grid, s.tokens),
                         (32, 4, (4, 16, 8, 8), (8, 4, 4), 128))
        self.assertEqual((s.in_channels, s.out_channels, s.patch_dim, s.vocab_size),
                         (9, 4, 32, len(s.text.vocabulary) + 2))
        t = preset("tiny")
        self.assertEqual((t.latent_shape, t.grid, t.tokens), ((4, 4, 4, 6), (2, 4, 3), 24))

    def test_json_round_trip(self):
        obj = tiny_json()
        cfg = ModelConfig.from_json(json.dumps(obj))
        self.assertEqual(cfg.to_json(), obj)

    def test_pixel_model_without_context(self):
        obj = tiny_json()
        obj.update(autoencoder=None, context={"max_frames": 0}, patch=[1, 4, 4])
        cfg = ModelConfig.from_json(obj)
        self.assertEqual((cfg.latent_shape, cfg.in_channels, cfg.tokens), ((3, 4, 16, 24), 3, 96))

    def test_unknown_and_missing_fields_are_named(self):
        obj = tiny_json()
        obj["colour"] = 1
        self.assertConfigError(obj, "", "unknown field colour")
        obj = tiny_json()
        obj["autoencoder"]["depth"] = 2
        self.assertConfigError(obj, "autoencoder", "autoencoder.depth")
        obj = tiny_json()
        del obj["heads"], obj["fps"]
        self.assertConfigError(obj, "", "missing fields fps, heads")

    def test_divisibility(self):
        obj = tiny_json()
        obj["heads"] = 3
        self.assertConfigError(obj, "heads", "3 does not divide dim 32")
        obj = tiny_json()
        obj.update(dim=48, heads=16)  # head_dim 3
        self.assertConfigError(obj, "heads", "head_dim", "even")
        obj = tiny_json()
        obj.update(dim=40, heads=2)
        self.assertConfigError(obj, "dim", "multiple of 16")
        obj = tiny_json()
        obj["patch"] = [3, 1, 2]
        self.assertConfigError(obj, "patch[0]", "3 does not divide the frames 4")
        obj = tiny_json()
        obj["patch"] = [2, 3, 2]
        self.assertConfigError(obj, "patch[1]", "latent height 4")
        obj = tiny_json()
        obj["width"] = 26
        self.assertConfigError(obj, "width", "downsample factor 4")
        obj = tiny_json()
        obj["autoencoder"]["hidden"] = [8, 10]
        self.assertConfigError(obj, "autoencoder.groups", "autoencoder.hidden[1] = 10")

    def test_values(self):
        for field, value, path in (("patch", [2, 2], "patch"), ("patch", [2, 0, 2], "patch[1]"),
                                   ("frames", 4.5, "frames"), ("dim", True, "dim"),
                                   ("dtype", "int8", "dtype"), ("sha256", "xyz", "sha256"),
                                   ("format", "other", "format"), ("id", "Bad Id", "id")):
            obj = tiny_json()
            obj[field] = value
            self.assertConfigError(obj, path)
        obj = tiny_json()
        obj["schedule"]["supported_steps"] = [1, 0]
        self.assertConfigError(obj, "schedule.supported_steps[1]", "positive")
        obj = tiny_json()
        obj["schedule"]["default_steps"] = 8
        self.assertConfigError(obj, "schedule.default_steps", "not in")
        obj = tiny_json()
        obj["context"]["max_frames"] = 4
        self.assertConfigError(obj, "context.max_frames", "less than frames 4")
        obj = tiny_json()
        obj["sha256"] = ""
        self.assertConfigError(obj, "sha256", "empty")

    def test_vocabulary(self):
        obj = tiny_json()
        obj["text"]["vocabulary"][2] = "Blue"
        self.assertConfigError(obj, "text.vocabulary[2]", '"Blue"', "lowercase")
        obj = tiny_json()
        obj["text"]["vocabulary"].append("red")
        self.assertConfigError(obj, "text.vocabulary[6]", "repeats text.vocabulary[0]")

    def test_optional_onnx_hash(self):
        obj = tiny_json()
        self.assertIsNone(ModelConfig.from_json(obj).onnx)
        self.assertNotIn("onnx", ModelConfig.from_json(obj).to_json())
        obj["onnx"] = None
        self.assertIsNone(ModelConfig.from_json(obj).onnx)
        obj["onnx"] = {"sha256": "cd" * 32}
        cfg = ModelConfig.from_json(obj)
        self.assertEqual(cfg.onnx.sha256, "cd" * 32)
        self.assertEqual(cfg.to_json(), obj)
        for bad, field, words in (({"sha256": "xyz"}, "onnx.sha256", ("64 lowercase hex",)),
                                  ({"sha256": ""}, "onnx.sha256", ("empty",)),
                                  ({}, "onnx", ("missing field onnx.sha256",)),
                                  ({"sha256": "cd" * 32, "size": 1}, "onnx", ("onnx.size",)),
                                  ("cd" * 32, "onnx", ("must be an object",))):
            obj["onnx"] = bad
            self.assertConfigError(obj, field, *words)


class TokenizerTest(unittest.TestCase):
    vocab = ["red", "green", "ball"]

    def test_ids_padding_truncation(self):
        self.assertEqual(tokenize("Red, BALL!", self.vocab, 4), [2, 4, 0, 0])
        self.assertEqual(tokenize("red green ball red", self.vocab, 2), [2, 3])
        self.assertEqual(tokenize("", self.vocab, 3), [0, 0, 0])
        self.assertEqual(null_tokens(3), [1, 0, 0])

    def test_unknown_words_are_named(self):
        with self.assertRaises(UnknownWordsError) as cm:
            tokenize("a purple ball, purple cube", self.vocab, 4)
        self.assertEqual(cm.exception.words, ["a", "purple", "cube"])
        self.assertIn("'purple'", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
