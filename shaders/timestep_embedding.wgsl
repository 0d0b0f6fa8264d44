// DiT TimestepEmbedder.timestep_embedding: for each timestep t (scaled, e.g. t * 1000 for a
// rectified-flow t in [0, 1]) and i < half = dim / 2:
//   out[n, i] = cos(t * f_i), out[n, half + i] = sin(t * f_i), f_i = exp(-ln(max_period) i / half)
// and a zero last column when dim is odd. The frequencies come from a table computed in f64 on
// the host (an f32 exp would put ~1e-3 of error into an argument of ~1000); the argument is
// range-reduced with a two-part 2*pi before cos/sin, whose accuracy is only specified near 0.

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  count: u32,  // items * dim
  dim: u32,
  half: u32,
  groups_x: u32,
  t_scale: f32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> t: array<f32>;      // (N), always f32
@group(0) @binding(2) var<storage, read> freqs: array<f32>;  // (half)
@group(0) @binding(3) var<storage, read_write> y: array<T>;  // (N, dim)

const INV_TWO_PI: f32 = 0.15915494309189535;
const TWO_PI_HI: f32 = 6.28125;  // exact in 8 bits, so k * TWO_PI_HI is exact for k < 2^15
const TWO_PI_LO: f32 = 0.0019353071795864769;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * shape.groups_x * WG;
  if (i >= shape.count) {
    return;
  }
  let n = i / shape.dim;
  let j = i % shape.dim;
  if (j >= 2u * shape.half) {
    y[i] = T(0.0);
    return;
  }
  let arg = t[n] * shape.t_scale * freqs[j % shape.half];
  let k = round(arg * INV_TWO_PI);
  let r = (arg - k * TWO_PI_HI) - k * TWO_PI_LO;
  y[i] = T(select(sin(r), cos(r), j < shape.half));
}
