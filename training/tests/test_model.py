import unittest

import numpy as np
import torch

from tessera.autoencoder import Autoencoder
from tessera.config import preset
from tessera.model import DiT, get_3d_sincos_pos_embed, modulate

torch.set_num_threads(1)


def inputs(config, n=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, config.in_channels, *config.latent_shape[1:], generator=g)
    t = torch.rand(n, generator=g)
    y = torch.randint(0, config.vocab_size, (n, config.text.max_tokens), generator=g)
    return x, t, y


def randomized(module, seed=0):
    from tessera.goldens import randomize
    randomize(module, seed)
    return module


class DiTTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.config = preset("tiny")

    def test_state_dict_names_and_shapes(self):
        c = self.config
        state = DiT(c).state_dict()
        D = c.dim
        expected = {
            "x_embedder.proj.weight": (D, c.in_channels, *c.patch), "x_embedder.proj.bias": (D,),
            "t_embedder.mlp.0.weight": (D, 256), "t_embedder.mlp.2.weight": (D, D),
            "y_embedder.embedding_table.weight": (c.vocab_size, D),
            "y_embedder.mlp.0.weight": (D, D), "y_embedder.mlp.2.bias": (D,),
            "blocks.1.attn.qkv.weight": (3 * D, D), "blocks.1.attn.proj.weight": (D, D),
            "blocks.1.mlp.fc1.weight": (4 * D, D), "blocks.1.mlp.fc2.weight": (D, 4 * D),
            "blocks.1.adaLN_modulation.1.weight": (6 * D, D),
            "final_layer.adaLN_modulation.1.weight": (2 * D, D),
            "final_layer.linear.weight": (c.patch_dim, D),
        }
        for name, shape in expected.items():
            self.assertEqual(tuple(state[name].shape), shape, name)
        self.assertFalse([k for k in state if "norm" in k], "LayerNorms carry no weights")
        self.assertEqual(len(state), 11 + 10 * c.depth + 4)

    def test_zero_init_gives_zero_velocity_and_identity_blocks(self):
        dit = DiT(self.config)
        x, t, y = inputs(self.config)
        self.assertEqual(dit(x, t, y).abs().max().item(), 0.0)
        tokens = torch.randn(2, self.config.tokens, self.config.dim)
        c = torch.randn(2, self.config.dim)
        self.assertTrue(torch.equal(dit.blocks[0](tokens, c), tokens))

    def test_output_shape_and_frame_count_can_vary(self):
        dit = randomized(DiT(self.config))
        x, t, y = inputs(self.config)
        self.assertEqual(dit(x, t, y).shape, (2, 4, 4, 4, 6))
        x2 = torch.cat([x, x], dim=2)  # 8 frames: positions recomputed, no stored table
        self.assertEqual(dit(x2, t, y).shape, (2, 4, 8, 4, 6))

    def test_unpatchify_inverts_the_patch_order(self):
        # Patchify by hand in (t, h, w) token order and (pt, ph, pw, C) feature order.
        c = self.config
        dit = DiT(c)
        C, T, H, W = c.latent_shape
        pt, ph, pw = c.patch
        x = torch.randn(2, C, T, H, W)
        p = x.reshape(2, C, T // pt, pt, H // ph, ph, W // pw, pw)
        p = p.permute(0, 2, 4, 6, 3, 5, 7, 1).reshape(2, c.tokens, c.patch_dim)
        self.assertTrue(torch.equal(dit.unpatchify(p, c.grid), x))

    def test_patch_embed_token_order(self):
        c = self.config
        dit = DiT(c)
        x = torch.zeros(1, c.in_channels, *c.latent_shape[1:])
        x[0, 0, 2, 3, 5] = 1.0  # t=2 → token t 1; h=3 → 3; w=5 → 2
        with torch.no_grad():
            dit.x_embedder.proj.bias.zero_()
            tokens = dit.x_embedder(x)[0]  # (L, D)
        gt, gh, gw = c.grid
        hit = tokens.abs().sum(dim=1).nonzero().flatten().tolist()
        self.assertEqual(hit, [(1 * gh + 3) * gw + 2])

    def test_pos_embed_layout(self):
        emb = get_3d_sincos_pos_embed(32, (2, 4, 3))
        self.assertEqual(emb.shape, (24, 32))
        # Token 0: every sin part 0 and cos part 1 (t part 8, h part 12, w part 12).
        np.testing.assert_array_equal(emb[0], [0] * 4 + [1] * 4 + [0] * 6 + [1] * 6 + [0] * 6 + [1] * 6)
        # Token (t=1, h=0, w=2): t part sin(1 * omega_0) = sin(1); w part sin(2).
        row = emb[(1 * 4 + 0) * 3 + 2]
        self.assertAlmostEqual(row[0], np.sin(1.0), places=15)
        self.assertAlmostEqual(row[20], np.sin(2.0), places=15)
        self.assertAlmostEqual(row[21], np.sin(2.0 / 10000 ** (1 / 6)), places=15)

    def test_prompt_pooling(self):
        dit = randomized(DiT(self.config))
        e = dit.y_embedder
        table = e.embedding_table.weight
        pooled = e.pool(torch.tensor([[2, 5, 2, 0, 0, 0], [0] * 6, [1, 0, 0, 0, 0, 0]]))
        torch.testing.assert_close(pooled[0], (2 * table[2] + table[5]) / 3)
        torch.testing.assert_close(pooled[1], table[1])  # all pad → <null>
        torch.testing.assert_close(pooled[2], table[1])

    def test_attention_matches_a_written_out_reference(self):
        dit = randomized(DiT(self.config)).double()
        attn = dit.blocks[0].attn
        x = torch.randn(1, 5, 32, dtype=torch.float64)
        qkv = attn.qkv(x)[0]
        out = []
        for h in range(2):
            q = qkv[:, h * 16:(h + 1) * 16]
            k = qkv[:, 32 + h * 16:32 + (h + 1) * 16]
            v = qkv[:, 64 + h * 16:64 + (h + 1) * 16]
            w = torch.softmax(q @ k.T / 4.0, dim=-1)
            out.append(w @ v)
        ref = attn.proj(torch.cat(out, dim=1))
        torch.testing.assert_close(attn(x)[0], ref, rtol=1e-12, atol=1e-12)

    def test_modulate(self):
        x = torch.ones(1, 2, 3)
        out = modulate(x, torch.tensor([[1.0, 2, 3]]), torch.tensor([[0.5, 0, -1]]))
        self.assertEqual(out[0, 1].tolist(), [2.5, 3.0, 3.0])


class AutoencoderTest(unittest.TestCase):
    def test_names_shapes_and_per_frame(self):
        config = preset("balls-s")
        ae = randomized(Autoencoder(config))
        names = set(ae.state_dict())
        for n in ("encoder.conv_in.weight", "encoder.down.0.norm.weight", "encoder.down.1.conv.bias",
                  "encoder.norm_out.bias", "encoder.conv_out.weight", "decoder.conv_in.weight",
                  "decoder.up.0.norm.weight", "decoder.up.1.conv.weight", "decoder.conv_out.bias"):
            self.assertIn(n, names)
        self.assertEqual(tuple(ae.state_dict()["decoder.up.0.conv.weight"].shape), (32, 64, 3, 3))
        x = torch.rand(2, 3, 4, 32, 32) * 2 - 1
        z = ae.encode(x)
        self.assertEqual(z.shape, (2, 4, 4, 8, 8))
        self.assertEqual(ae.decode(z).shape, x.shape)
        # Frames are independent: changing frame 3 leaves the other latents alone.
        x2 = x.clone()
        x2[:, :, 3] = 0
        z2 = ae.encode(x2)
        torch.testing.assert_close(z2[:, :, :3], z[:, :, :3])
        self.assertGreater((z2[:, :, 3] - z[:, :, 3]).abs().max().item(), 1e-3)

    def test_latent_scale(self):
        config = preset("tiny")  # latent_scale 0.5
        ae = randomized(Autoencoder(config))
        x = torch.rand(1, 3, 4, 16, 24)
        torch.testing.assert_close(ae.encode(x), 0.5 * ae.encoder(x.permute(0, 2, 1, 3, 4)
                                                                   .reshape(4, 3, 16, 24))
                                   .reshape(1, 4, 4, 4, 6).permute(0, 2, 1, 3, 4))


if __name__ == "__main__":
    unittest.main()
