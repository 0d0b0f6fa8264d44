// Conv2d with a 3x3 kernel, padding 1, stride 1 or 2 (PyTorch layout):
// x (B, Cin, H, W), weight (Cout, Cin, 3, 3), bias (Cout) -> y (B, Cout, OH, OW),
// OH = (H - 1) / stride + 1. One invocation per output pixel and group of OC_BLOCK output
// channels: each input value read is reused for OC_BLOCK accumulators.

alias T = f32;

override WG: u32 = 64u;

const OC_BLOCK: u32 = 4u;

struct Shape {
  count: u32,  // B * ceil(Cout / OC_BLOCK) * OH * OW
  in_channels: u32,
  height: u32,
  width: u32,
  out_channels: u32,
  out_height: u32,
  out_width: u32,
  stride: u32,
  groups_x: u32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read> weight: array<T>;
@group(0) @binding(3) var<storage, read> bias: array<T>;
@group(0) @binding(4) var<storage, read_write> y: array<T>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;
  if (i >= shape.count) {
    return;
  }
  let blocks = (shape.out_channels + OC_BLOCK - 1u) / OC_BLOCK;
  let ox = i % shape.out_width;
  let oy = (i / shape.out_width) % shape.out_height;
  let block = (i / (shape.out_width * shape.out_height)) % blocks;
  let b = i / (shape.out_width * shape.out_height * blocks);

  // Channels past Cout in the last block read the last real channel's weights; not stored.
  var oc: array<u32, OC_BLOCK>;
  var acc: array<f32, OC_BLOCK>;
  for (var o = 0u; o < OC_BLOCK; o++) {
    oc[o] = min(block * OC_BLOCK + o, shape.out_channels - 1u);
    acc[o] = f32(bias[oc[o]]);
  }
  let plane = shape.height * shape.width;
  for (var ci = 0u; ci < shape.in_channels; ci++) {
    let x_base = (b * shape.in_channels + ci) * plane;
    for (var ky = 0u; ky < 3u; ky++) {
      let iy = i32(oy * shape.stride + ky) - 1;
      if (iy < 0 || iy >= i32(shape.height)) {
        continue;
      }
      for (var kx = 0u; kx < 3u; kx++) {
        let ix = i32(ox * shape.stride + kx) - 1;
        if (ix < 0 || ix >= i32(shape.width)) {
          continue;
        }
        let v = f32(x[x_base + u32(iy) * shape.width + u32(ix)]);
        for (var o = 0u; o < OC_BLOCK; o++) {
          acc[o] = fma(v, f32(weight[((oc[o] * shape.in_channels + ci) * 3u + ky) * 3u + kx]), acc[o]);
        }
      }
    }
  }
  let out_plane = shape.out_height * shape.out_width;
  for (var o = 0u; o < OC_BLOCK; o++) {
    let c = block * OC_BLOCK + o;
    if (c < shape.out_channels) {
      y[(b * shape.out_channels + c) * out_plane + oy * shape.out_width + ox] = T(acc[o]);
    }
  }
}
