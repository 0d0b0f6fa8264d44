// Nearest-neighbour 2x upsampling, (B, C, H, W) -> (B, C, 2H, 2W), as
// F.interpolate(scale_factor=2, mode="nearest").

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  count: u32,  // B * C * 2H * 2W
  height: u32,
  width: u32,
  groups_x: u32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> y: array<T>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;
  if (i >= shape.count) {
    return;
  }
  let ow = 2u * shape.width;
  let oh = 2u * shape.height;
  let ox = i % ow;
  let oy = (i / ow) % oh;
  let plane = i / (ow * oh);
  y[i] = x[(plane * shape.height + oy / 2u) * shape.width + ox / 2u];
}
