import unittest

import torch

from tessera.sampling import (add_noise, context_channels, euler_step, frame_mask, guide, sample,
                              shift_time, timesteps, velocity_target)


class ScheduleTest(unittest.TestCase):
    def test_timesteps(self):
        self.assertEqual(timesteps(4, 1.0), [1.0, 0.75, 0.5, 0.25, 0.0])
        ts = timesteps(2, 3.0)
        self.assertEqual(ts[0], 1.0)
        self.assertEqual(ts[-1], 0.0)
        self.assertAlmostEqual(ts[1], 3 * 0.5 / (1 + 2 * 0.5))
        self.assertEqual(shift_time(0.25, 2.0), 0.5 / 1.25)
        with self.assertRaises(ValueError):
            timesteps(0, 1.0)

    def test_noising_and_target(self):
        x0, noise = torch.randn(2, 3), torch.randn(2, 3)
        xt = add_noise(x0, noise, torch.tensor([0.0, 1.0]))
        torch.testing.assert_close(xt[0], x0[0])
        torch.testing.assert_close(xt[1], noise[1])
        torch.testing.assert_close(velocity_target(x0, noise), noise - x0)

    def test_guide_and_euler(self):
        vc, vu = torch.tensor([3.0]), torch.tensor([1.0])
        self.assertEqual(guide(vc, vu, 2.0).item(), 5.0)
        self.assertEqual(guide(vc, vu, 0.0).item(), 1.0)
        self.assertEqual(euler_step(torch.tensor([1.0]), torch.tensor([2.0]), 1.0, 0.75).item(), 0.5)


class SampleTest(unittest.TestCase):
    def test_exact_velocity_reaches_the_data_in_any_number_of_steps(self):
        # On straight paths the ideal velocity is constant, so Euler is exact.
        x0 = torch.randn(1, 2, 3, 2, 2, dtype=torch.float64)
        noise = torch.randn_like(x0)
        calls = []

        def model(x, t, y):
            calls.append((x.shape[0], y[:, 0].tolist()))
            return (noise - x0).repeat(x.shape[0], 1, 1, 1, 1)

        for steps, shift in ((1, 1.0), (4, 3.0)):
            out = sample(model, noise, torch.tensor([[2, 3]]), steps, shift, 2.0, use_context=False)
            torch.testing.assert_close(out, x0, rtol=1e-12, atol=1e-12)
        self.assertEqual(calls[0], (2, [2, 1]))  # batched: cond row, then <null> row

    def test_context_channels_and_final_replacement(self):
        noise = torch.randn(1, 2, 4, 2, 2)
        context = torch.randn(1, 2, 4, 2, 2)
        mask = frame_mask(1, 4, 2)
        seen = []

        def model(x, t, y):
            seen.append(x)
            return torch.zeros(x.shape[0], 2, 4, 2, 2)

        out = sample(model, noise, torch.tensor([[2]]), 2, 1.0, 1.0, context, mask)
        inp = seen[0]
        self.assertEqual(inp.shape, (2, 5, 4, 2, 2))
        torch.testing.assert_close(inp[0, 2:4, :2], context[0, :, :2])
        self.assertEqual(inp[0, 2:4, 2:].abs().max().item(), 0.0)
        self.assertEqual(inp[0, 4].sum(dim=(1, 2)).tolist(), [4.0, 4.0, 0.0, 0.0])
        self.assertTrue(torch.equal(out[:, :, :2], context[:, :, :2]))
        self.assertTrue(torch.equal(out[:, :, 2:], noise[:, :, 2:]))  # zero velocity
        self.assertEqual(context_channels(None, None, noise).abs().sum().item(), 0.0)


if __name__ == "__main__":
    unittest.main()
