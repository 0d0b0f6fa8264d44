// y = x converted between f32 and f16: the boundary of the f16 DiT (the sampler state, its
// input and its velocity stay f32). Only built on adapters with shader-f16.
enable f16;

alias S = f32;  // source type; the wrapper swaps S and D for the other direction
alias D = f16;

override WG: u32 = 64u;

struct Shape {
  count: u32,
  groups_x: u32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<S>;
@group(0) @binding(2) var<storage, read_write> y: array<D>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;
  if (i >= shape.count) {
    return;
  }
  y[i] = D(x[i]);
}
