// Clip (3, T, H, W) in [-1, 1] -> one RGBA8 u32 per pixel, frame-major (T, H, W), bytes
// R, G, B, A in memory order (little-endian), alpha 255: what ImageData and VideoFrame take.
// Each channel: round(clamp((v + 1) * 127.5, 0, 255)), round half to even as torch.round.

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  pixels: u32,  // T * H * W
  groups_x: u32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<T>;           // (3, T, H, W)
@group(0) @binding(2) var<storage, read_write> rgba: array<u32>;  // (T, H, W)

fn to_byte(v: f32) -> u32 {
  return u32(round(clamp((v + 1.0) * 127.5, 0.0, 255.0)));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;
  if (i >= shape.pixels) {
    return;
  }
  let r = to_byte(f32(x[i]));
  let g = to_byte(f32(x[i + shape.pixels]));
  let b = to_byte(f32(x[i + 2u * shape.pixels]));
  rgba[i] = r | (g << 8u) | (b << 16u) | (255u << 24u);
}
