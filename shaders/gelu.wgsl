// y = gelu(x), tanh approximation (the DiT MLP's activation).
// One invocation per element; the grid may be 2-D when the element count exceeds one
// dispatch dimension, so the flat index folds in the y workgroup id.

override WORKGROUP_SIZE: u32 = 64u;

struct Shape {
  count: u32,
  groups_x: u32,  // workgroups along x, to flatten a 2-D dispatch
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WORKGROUP_SIZE;
  if (i >= shape.count) {
    return;
  }
  let v = x[i];
  // tanh overflows to NaN in some implementations for large |u|; clamp where tanh is +-1 in f32.
  let u = clamp(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v), -15.0, 15.0);
  y[i] = 0.5 * v * (1.0 + tanh(u));
}
