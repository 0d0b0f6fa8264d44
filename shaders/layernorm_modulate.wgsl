// adaLN: y = LayerNorm(x) * (1 + scale[item]) + shift[item], LayerNorm without affine.
// One workgroup per token row; two passes over the row (mean, then the mean of squared
// deviations), the first summing deviations from the row's first element, so a row with large
// outliers or a large common offset keeps its precision.
// shift and scale are column slices of the adaLN output (items, 6*D): offset + item * stride.

alias T = f32;

override WG: u32 = 64u;  // a power of two (tree reduction)

struct Shape {
  rows: u32,
  dim: u32,
  tokens_per_item: u32,
  shift_offset: u32,
  shift_stride: u32,
  scale_offset: u32,
  scale_stride: u32,
  groups_x: u32,
  eps: f32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<T>;      // (rows, dim)
@group(0) @binding(2) var<storage, read> shift: array<T>;  // (rows / L, shift_stride)
@group(0) @binding(3) var<storage, read> scale: array<T>;  // (rows / L, scale_stride)
@group(0) @binding(4) var<storage, read_write> y: array<T>;  // (rows, dim)

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
  workgroupBarrier();  // partial is reused by the next reduction
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wid.x + wid.y * shape.groups_x;
  if (row >= shape.rows) {
    return;
  }
  let base = row * shape.dim;
  let n = f32(shape.dim);

  let pivot = f32(x[base]);
  var sum = 0.0;
  for (var i = lid.x; i < shape.dim; i += WG) {
    sum += f32(x[base + i]) - pivot;
  }
  let mean = pivot + workgroup_sum(lid.x, sum) / n;

  var sq = 0.0;
  for (var i = lid.x; i < shape.dim; i += WG) {
    let d = f32(x[base + i]) - mean;
    sq += d * d;
  }
  let rstd = inverseSqrt(workgroup_sum(lid.x, sq) / n + shape.eps);

  let item = row / shape.tokens_per_item;
  let shift_base = shape.shift_offset + item * shape.shift_stride;
  let scale_base = shape.scale_offset + item * shape.scale_stride;
  for (var i = lid.x; i < shape.dim; i += WG) {
    let normed = (f32(x[base + i]) - mean) * rstd;
    y[base + i] = T(normed * (1.0 + f32(scale[scale_base + i])) + f32(shift[shift_base + i]));
  }
}
