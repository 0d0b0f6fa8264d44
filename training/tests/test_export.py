import contextlib
import hashlib
import io
import json
import tempfile
import unittest
from pathlib import Path

import torch

from tessera.config import ModelConfig, preset
from tessera.export import build, load_model_folder, load_weights, model_state_dict, write_model_folder
from tessera.goldens import randomize
from tessera.safetensors_io import load_file

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"


class ExportTest(unittest.TestCase):
    def test_folder_f16_with_onnx(self):
        import onnx

        config = preset("tiny").replace(dtype="float16")
        dit, ae = build(config)
        randomize(dit, 1)
        randomize(ae, 2)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            written = write_model_folder(config, dit, ae, out)
            data = (out / "model.safetensors").read_bytes()
            self.assertEqual(written.sha256, hashlib.sha256(data).hexdigest())
            on_disk = ModelConfig.from_json(json.loads((out / "config.json").read_text()))
            self.assertEqual(on_disk, written)
            half, meta = load_file(out / "model.safetensors")
            full, _ = load_file(out / "model.f32.safetensors")
            self.assertEqual(meta["dtype"], "F16")
            self.assertTrue(all(v.dtype == torch.float16 for v in half.values()))
            self.assertEqual(set(half), set(model_state_dict(dit, ae)))
            torch.testing.assert_close(full["blocks.0.attn.qkv.weight"],
                                       dit.blocks[0].attn.qkv.weight.detach())
            # Reloading the F32 variant reproduces the model exactly.
            _, dit2, _ = load_model_folder(out, "model.f32.safetensors")
            x = torch.randn(2, config.in_channels, *config.latent_shape[1:])
            t, y = torch.rand(2), torch.tensor([[2, 3, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]])
            self.assertTrue(torch.equal(dit2(x, t, y), dit(x, t, y)))
            model = onnx.load(str(out / "model.onnx"))  # write_model_folder ran the checker
            self.assertEqual([i.name for i in model.graph.input], ["x", "t", "y"])
            self.assertEqual(model.opset_import[0].version, 17)
            onnx_sha = hashlib.sha256((out / "model.onnx").read_bytes()).hexdigest()
            self.assertEqual(written.onnx.sha256, onnx_sha)
            # Without ONNX the folder loses the stale export and its hash.
            plain = write_model_folder(written, dit, ae, out, onnx=False, f32_copy=False)
            self.assertIsNone(plain.onnx)
            self.assertFalse((out / "model.onnx").exists())
            self.assertNotIn("onnx", json.loads((out / "config.json").read_text()))

    def test_onnx_only_records_its_hash_and_keeps_the_rest(self):
        from tessera.export import main

        config = preset("tiny")
        dit, ae = build(config)
        randomize(dit, 3)
        randomize(ae, 4)
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
            out = Path(tmp)
            before = write_model_folder(config, dit, ae, out, onnx=False, f32_copy=False)
            main(["--onnx-only", "--model", str(out)])
            after = ModelConfig.from_json((out / "config.json").read_text())
            self.assertEqual(after.onnx.sha256,
                             hashlib.sha256((out / "model.onnx").read_bytes()).hexdigest())
            self.assertEqual(after.replace(onnx=None), before)

    def test_strict_loading_names_problems(self):
        dit, ae = build(preset("tiny"))
        state = model_state_dict(dit, ae)
        state.pop("blocks.1.mlp.fc2.bias")
        state["extra.weight"] = torch.zeros(1)
        state["final_layer.linear.weight"] = torch.zeros(3, 3)
        with self.assertRaises(ValueError) as cm:
            load_weights(dit, ae, state)
        msg = str(cm.exception)
        for part in ("missing blocks.1.mlp.fc2.bias", "unexpected extra.weight",
                     "final_layer.linear.weight: [3, 3] given, [16, 32] expected"):
            self.assertIn(part, msg)


class GoldensTest(unittest.TestCase):
    def test_checked_in_tiny_goldens_are_current(self):
        from tessera.goldens import main

        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
            main(["--preset", "tiny", "--out", tmp])
            for name in ("config.json", "model.safetensors", "model.onnx", "goldens.json", "goldens.bin"):
                self.assertEqual(Path(tmp, name).read_bytes(), (FIXTURES / "tiny" / name).read_bytes(),
                                 f"tests/fixtures/tiny/{name} is stale: rerun goldens.py --preset tiny")


if __name__ == "__main__":
    unittest.main()
