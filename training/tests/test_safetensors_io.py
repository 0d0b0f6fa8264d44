import json
import struct
import unittest

import torch

from tessera.safetensors_io import SafetensorsError, deserialize, serialize


class SafetensorsTest(unittest.TestCase):
    def tensors(self):
        g = torch.Generator().manual_seed(0)
        return {"b.weight": torch.randn(3, 5, generator=g),
                "a.half": torch.randn(7, generator=g).half(),
                "c.bf16": torch.randn(2, 3, 2, generator=g).bfloat16(),
                "d.empty": torch.zeros(0, 4),
                "e.scalar": torch.tensor(1.5)}

    def test_round_trip(self):
        src = self.tensors()
        data = serialize(src, {"format": "tessera-dit"})
        out, meta = deserialize(data)
        self.assertEqual(meta, {"format": "tessera-dit"})
        self.assertEqual(set(out), set(src))
        for k, v in src.items():
            self.assertEqual(out[k].dtype, v.dtype, k)
            self.assertEqual(out[k].shape, v.shape, k)
            self.assertTrue(torch.equal(out[k], v), k)

    def test_layout(self):
        data = serialize(self.tensors(), {"k": "v"})
        (n,) = struct.unpack("<Q", data[:8])
        self.assertEqual(n % 8, 0)
        header = json.loads(data[8:8 + n])
        names = [k for k in header if k != "__metadata__"]
        self.assertEqual(names, sorted(names))
        offsets = [header[k]["data_offsets"] for k in names]
        self.assertEqual(offsets[0][0], 0)
        for (_, end), (begin, _) in zip(offsets, offsets[1:]):
            self.assertEqual(end, begin)
        self.assertEqual(header["a.half"]["dtype"], "F16")
        self.assertEqual(header["c.bf16"]["dtype"], "BF16")
        # F32 little-endian bytes of b.weight[0, 0]
        b0 = 8 + n + header["b.weight"]["data_offsets"][0]
        self.assertEqual(struct.unpack("<f", data[b0:b0 + 4])[0], self.tensors()["b.weight"][0, 0].item())
        self.assertEqual(serialize(self.tensors()), serialize(self.tensors()))  # deterministic

    def test_rejects_corrupt_files(self):
        data = serialize({"w": torch.ones(4)})
        (n,) = struct.unpack("<Q", data[:8])
        cases = {
            "short": data[:5],
            "length": struct.pack("<Q", 10 ** 6) + data[8:],
            "truncated": data[:-4],
            "trailing": data + b"\0\0\0\0",
        }
        header = json.loads(data[8:8 + n])
        header["w"]["shape"] = [5]
        text = json.dumps(header).encode()
        cases["shape"] = struct.pack("<Q", len(text)) + text + data[8 + n:]
        header["w"] = {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}
        text = json.dumps(header).encode()
        cases["dtype"] = struct.pack("<Q", len(text)) + text + data[8 + n:]
        for name, bad in cases.items():
            with self.assertRaises(SafetensorsError, msg=name):
                deserialize(bad)
        with self.assertRaises(SafetensorsError):
            serialize({"i": torch.ones(2, dtype=torch.int32)})


if __name__ == "__main__":
    unittest.main()
