// y(M, N) = x(M, K) · w(N, K)^T (+ b), w laid out as a PyTorch Linear weight, with a fused
// epilogue chosen by EPILOGUE:
//   0 none, 1 bias, 2 bias + GELU(tanh), 3 bias + gated residual: y = y + gate[r / L] * (x·w^T + b)
// (variant 3 reads the residual from y itself, so the residual stream updates in place).
//
// Tiling: a workgroup of WG_X x WG_Y threads owns a (WG_Y*RM) x (WG_X*RN) tile of y and walks K
// in steps of TILE_K, staging x and w slices in workgroup memory; each thread keeps an RM x RN
// block of accumulators in registers. Thread (tx, ty) owns rows ty + i*WG_Y and columns
// tx + j*WG_X, so neighbouring threads write neighbouring columns (coalesced stores) and read
// distinct workgroup-memory words. Products and sums inside one K slice are in T (f16 math in
// the f16 variant); slices are summed in f32, which bounds the f16 error by TILE_K terms.

alias T = f32;

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override TILE_K: u32 = 8u;
override EPILOGUE: u32 = 1u;

const RM: u32 = 4u;
const RN: u32 = 4u;

struct Shape {
  m: u32,
  n: u32,
  k: u32,
  tokens_per_item: u32,  // L: row r takes its gate from batch item r / L
  gate_offset: u32,      // elements; the gate is columns [offset, offset + n) of each row
  gate_stride: u32,
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<T>;     // (M, K)
@group(0) @binding(2) var<storage, read> w: array<T>;     // (N, K)
@group(0) @binding(3) var<storage, read> bias: array<T>;  // (N)
@group(0) @binding(4) var<storage, read> gate: array<T>;  // (M / L, gate_stride)
@group(0) @binding(5) var<storage, read_write> y: array<T>;  // (M, N)

var<workgroup> x_tile: array<T, WG_Y * RM * TILE_K>;  // [kk][row]
var<workgroup> w_tile: array<T, WG_X * RN * TILE_K>;  // [kk][col]

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;

fn gelu_tanh(v: f32) -> f32 {
  // Clamped where tanh is already +-1 in f32: some implementations return NaN beyond.
  let u = clamp(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v), -15.0, 15.0);
  return 0.5 * v * (1.0 + tanh(u));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let tile_m = WG_Y * RM;
  let tile_n = WG_X * RN;
  let row0 = wid.y * tile_m;
  let col0 = wid.x * tile_n;
  let threads = WG_X * WG_Y;
  let flat = lid.y * WG_X + lid.x;

  var acc = array<f32, RM * RN>();
  for (var k0 = 0u; k0 < shape.k; k0 += TILE_K) {
    // Stage x[row0.., k0..] and w[col0.., k0..]; consecutive threads read consecutive k.
    for (var e = flat; e < tile_m * TILE_K; e += threads) {
      let r = e / TILE_K;
      let kk = e % TILE_K;
      let gr = row0 + r;
      let gk = k0 + kk;
      var v = T(0.0);
      if (gr < shape.m && gk < shape.k) {
        v = x[gr * shape.k + gk];
      }
      x_tile[kk * tile_m + r] = v;
    }
    for (var e = flat; e < tile_n * TILE_K; e += threads) {
      let c = e / TILE_K;
      let kk = e % TILE_K;
      let gc = col0 + c;
      let gk = k0 + kk;
      var v = T(0.0);
      if (gc < shape.n && gk < shape.k) {
        v = w[gc * shape.k + gk];
      }
      w_tile[kk * tile_n + c] = v;
    }
    workgroupBarrier();

    var part = array<T, RM * RN>();  // explicit: some drivers skip zero-init of loop-scoped vars
    for (var kk = 0u; kk < TILE_K; kk++) {
      var a: array<T, RM>;
      var b: array<T, RN>;
      for (var i = 0u; i < RM; i++) {
        a[i] = x_tile[kk * tile_m + lid.y + i * WG_Y];
      }
      for (var j = 0u; j < RN; j++) {
        b[j] = w_tile[kk * tile_n + lid.x + j * WG_X];
      }
      for (var i = 0u; i < RM; i++) {
        for (var j = 0u; j < RN; j++) {
          part[i * RN + j] = fma(a[i], b[j], part[i * RN + j]);
        }
      }
    }
    for (var i = 0u; i < RM * RN; i++) {
      acc[i] += f32(part[i]);
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < RM; i++) {
    let r = row0 + lid.y + i * WG_Y;
    if (r >= shape.m) {
      continue;
    }
    for (var j = 0u; j < RN; j++) {
      let c = col0 + lid.x + j * WG_X;
      if (c >= shape.n) {
        continue;
      }
      var v = acc[i * RN + j];
      if (EPILOGUE >= 1u) {
        v += f32(bias[c]);
      }
      if (EPILOGUE == 2u) {
        v = gelu_tanh(v);
      }
      let out = r * shape.n + c;
      if (EPILOGUE == 3u) {
        let g = f32(gate[shape.gate_offset + (r / shape.tokens_per_item) * shape.gate_stride + c]);
        v = f32(y[out]) + g * v;
      }
      y[out] = T(v);
    }
  }
}
