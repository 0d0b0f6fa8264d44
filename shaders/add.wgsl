// y += b, with b repeating every b_count elements: a same-size add (b_count = count, e.g. the
// conditioning c = t_emb + y_emb) or a broadcast over leading dims (the positional embedding
// (L, D) added to tokens (B, L, D)). In place, so the residual stream needs no second buffer.

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  count: u32,
  b_count: u32,
  groups_x: u32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> b: array<T>;
@group(0) @binding(2) var<storage, read_write> y: array<T>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;
  if (i >= shape.count) {
    return;
  }
  y[i] = T(f32(y[i]) + f32(b[i % shape.b_count]));
}
