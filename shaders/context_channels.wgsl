// The DiT input for world-model continuation: [x, context * mask, mask] along channels,
// (B, C, T, H, W) -> (B, 2C + 1, T, H, W), mask = 1 on the first `given` frames. The context
// has Bc <= B samples; with classifier-free guidance the batch is [cond, uncond] over the same
// samples, so item b reads context b % Bc.

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  count: u32,  // B * (2C + 1) * T * pixels
  channels: u32,
  frames: u32,
  given: u32,
  pixels: u32,
  context_batch: u32,
  groups_x: u32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<T>;        // (B, C, T, H, W)
@group(0) @binding(2) var<storage, read> context: array<T>;  // (Bc, C, T, H, W)
@group(0) @binding(3) var<storage, read_write> y: array<T>;  // (B, 2C + 1, T, H, W)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;
  if (i >= shape.count) {
    return;
  }
  let volume = shape.frames * shape.pixels;
  let within = i % volume;  // (t, h, w)
  let t = within / shape.pixels;
  let ch = (i / volume) % (2u * shape.channels + 1u);
  let b = i / (volume * (2u * shape.channels + 1u));
  let given = t < shape.given;
  var v = T(0.0);
  if (ch < shape.channels) {
    v = x[(b * shape.channels + ch) * volume + within];
  } else if (ch < 2u * shape.channels) {
    if (given) {
      v = context[((b % shape.context_batch) * shape.channels + ch - shape.channels) * volume + within];
    }
  } else if (given) {
    v = T(1.0);
  }
  y[i] = v;
}
