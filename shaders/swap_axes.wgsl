// y = x with its two middle axes swapped: (outer, a, b, inner) -> (outer, b, a, inner).
// The autoencoder works on frames as a batch, (N, T, C, H, W), while the DiT's clips are
// (N, C, T, H, W): this is PyTorch's permute(0, 2, 1, 3, 4) between the two.

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  count: u32,
  a: u32,
  b: u32,
  inner: u32,
  groups_x: u32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> y: array<T>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;  // index into y
  if (i >= shape.count) {
    return;
  }
  let r = i % shape.inner;
  let ia = (i / shape.inner) % shape.a;
  let ib = (i / (shape.inner * shape.a)) % shape.b;
  let o = i / (shape.inner * shape.a * shape.b);
  y[i] = x[((o * shape.a + ia) * shape.b + ib) * shape.inner + r];
}
