// GroupNorm with per-channel affine (eps from the uniforms, PyTorch's default 1e-5), optionally
// followed by SiLU (SILU = 1), on (B, C, H, W). A group's channels are contiguous in NCHW, so
// one workgroup normalises one (b, group) span of (C / G) * H * W values in two passes
// (mean around the span's first value, then mean squared deviation).

alias T = f32;

override WG: u32 = 64u;  // a power of two (tree reduction)
override SILU: u32 = 0u;

struct Shape {
  spans: u32,  // B * G
  channels: u32,
  groups: u32,
  pixels: u32,  // H * W
  groups_x: u32,
  eps: f32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read> gamma: array<T>;  // (C)
@group(0) @binding(3) var<storage, read> beta: array<T>;   // (C)
@group(0) @binding(4) var<storage, read_write> y: array<T>;

var<workgroup> partial: array<f32, WG>;

fn workgroup_sum(lid: u32, value: f32) -> f32 {
  partial[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let span = wid.x + wid.y * shape.groups_x;
  if (span >= shape.spans) {
    return;
  }
  let per_group = shape.channels / shape.groups;
  let size = per_group * shape.pixels;
  let base = span * size;  // (b * C + g * per_group) * pixels
  let first_channel = (span % shape.groups) * per_group;
  let n = f32(size);

  let pivot = f32(x[base]);
  var sum = 0.0;
  for (var i = lid.x; i < size; i += WG) {
    sum += f32(x[base + i]) - pivot;
  }
  let mean = pivot + workgroup_sum(lid.x, sum) / n;
  var sq = 0.0;
  for (var i = lid.x; i < size; i += WG) {
    let d = f32(x[base + i]) - mean;
    sq += d * d;
  }
  let rstd = inverseSqrt(workgroup_sum(lid.x, sq) / n + shape.eps);

  for (var i = lid.x; i < size; i += WG) {
    let c = first_channel + i / shape.pixels;
    var v = (f32(x[base + i]) - mean) * rstd * f32(gamma[c]) + f32(beta[c]);
    if (SILU == 1u) {
      v = v / (1.0 + exp(-v));
    }
    y[base + i] = T(v);
  }
}
