// One Euler step of the flow ODE, x += (t_next - t) * v, with classifier-free guidance fused.
// With halves = 2 the batch is [cond (N), uncond (N)] (DiT forward_with_cfg order): v comes from
// v_u + g (v_c - v_u) and the new x is written to both halves, ready for the next step's
// doubled batch. With halves = 1, v is used as is.

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  count: u32,   // elements per half
  halves: u32,  // 1 or 2
  groups_x: u32,
  t: f32,
  t_next: f32,
  guidance: f32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> v: array<T>;        // (halves, count)
@group(0) @binding(2) var<storage, read_write> x: array<T>;  // (halves, count)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;
  if (i >= shape.count) {
    return;
  }
  var velocity = f32(v[i]);
  if (shape.halves == 2u) {
    let uncond = f32(v[i + shape.count]);
    velocity = uncond + shape.guidance * (velocity - uncond);
  }
  let next = T(f32(x[i]) + (shape.t_next - shape.t) * velocity);
  x[i] = next;
  if (shape.halves == 2u) {
    x[i + shape.count] = next;
  }
}
