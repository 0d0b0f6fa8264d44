// y = x * sigmoid(x): the adaLN input (DiT `nn.SiLU()` before adaLN_modulation) and the
// conditioning MLPs. One invocation per element; the flat index folds in the y workgroup id.

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  count: u32,
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
  let v = f32(x[i]);
  // exp(-v) overflows to inf for v < -88, and v / inf = -0: the right limit.
  y[i] = T(v / (1.0 + exp(-v)));
}
