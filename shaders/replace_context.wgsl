// Copies the given context frames into every batch item's clip:
// x[b, c, t] = context[b % Bc, c, t] for t < given. With classifier-free guidance the batch is
// [cond, uncond] over the same Bc samples, hence b % Bc.

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  count: u32,  // B * C * T * pixels: sized for every frame, so `given` can change by uniform
  channels: u32,
  frames: u32,
  given: u32,
  pixels: u32,  // H * W
  context_batch: u32,
  groups_x: u32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> context: array<T>;  // (Bc, C, T, H, W)
@group(0) @binding(2) var<storage, read_write> x: array<T>;  // (B, C, T, H, W)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;
  if (i >= shape.count) {
    return;
  }
  let p = i % shape.pixels;
  let t = (i / shape.pixels) % shape.frames;
  if (t >= shape.given) {
    return;
  }
  let c = (i / (shape.pixels * shape.frames)) % shape.channels;
  let b = i / (shape.pixels * shape.frames * shape.channels);
  let offset = (c * shape.frames + t) * shape.pixels + p;
  let clip = shape.channels * shape.frames * shape.pixels;
  x[b * clip + offset] = context[(b % shape.context_batch) * clip + offset];
}
