// Multi-head self-attention over L space-time tokens, flash-style: softmax(q k^T / sqrt(hd)) v
// without an L x L matrix. Input is the qkv Linear's output (B, L, 3*D) in timm order
// (3, heads, head_dim); output (B, L, D) with heads side by side, as timm's
// `(attn @ v).transpose(1, 2).reshape(B, L, D)`.
//
// One invocation per query, WG queries per workgroup, workgroup y = batch * heads. The
// workgroup walks the keys in tiles staged in workgroup memory; each query keeps a running max
// m, a running denominator l and an unnormalised output acc, rescaled by exp(m_old - m_new)
// once per tile (online softmax). Scores and accumulators are f32 in both dtypes.

alias T = f32;

override WG: u32 = 64u;
override TILE_ELEMS: u32 = 2048u;  // K (and V) tile capacity in elements: keys per tile * head_dim

const MAX_HEAD_DIM: u32 = 128u;
const MAX_TILE_KEYS: u32 = 64u;

struct Shape {
  batch: u32,
  tokens: u32,
  heads: u32,
  head_dim: u32,
  tile_keys: u32,  // min(MAX_TILE_KEYS, TILE_ELEMS / head_dim)
  scale: f32,      // 1 / sqrt(head_dim)
};

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> qkv: array<T>;          // (B, L, 3, H, hd)
@group(0) @binding(2) var<storage, read_write> out: array<T>;    // (B, L, H, hd)

var<workgroup> k_tile: array<T, TILE_ELEMS>;  // [key][d]
var<workgroup> v_tile: array<T, TILE_ELEMS>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let hd = shape.head_dim;
  let dim = shape.heads * hd;
  let row = 3u * dim;
  let b = wid.y / shape.heads;
  let h = wid.y % shape.heads;
  let query = wid.x * WG + lid.x;
  let live = query < shape.tokens;  // inactive invocations still load tiles and meet barriers

  var q = array<f32, MAX_HEAD_DIM>();
  var acc = array<f32, MAX_HEAD_DIM>();
  if (live) {
    let q_base = (b * shape.tokens + query) * row + h * hd;
    for (var d = 0u; d < hd; d++) {
      q[d] = f32(qkv[q_base + d]) * shape.scale;
    }
  }
  var m = -3.0e38;
  var l = 0.0;

  for (var k0 = 0u; k0 < shape.tokens; k0 += shape.tile_keys) {
    let keys = min(shape.tile_keys, shape.tokens - k0);
    for (var e = lid.x; e < keys * hd; e += WG) {
      let j = e / hd;
      let src = (b * shape.tokens + k0 + j) * row + h * hd + e % hd;
      k_tile[e] = qkv[src + dim];
      v_tile[e] = qkv[src + 2u * dim];
    }
    workgroupBarrier();

    if (live) {
      var s = array<f32, MAX_TILE_KEYS>();
      var tile_max = -3.0e38;
      for (var j = 0u; j < keys; j++) {
        var dot = 0.0;
        for (var d = 0u; d < hd; d++) {
          dot = fma(q[d], f32(k_tile[j * hd + d]), dot);
        }
        s[j] = dot;
        tile_max = max(tile_max, dot);
      }
      let m_new = max(m, tile_max);
      let correction = exp(m - m_new);
      l *= correction;
      for (var d = 0u; d < hd; d++) {
        acc[d] *= correction;
      }
      for (var j = 0u; j < keys; j++) {
        let p = exp(s[j] - m_new);
        l += p;
        for (var d = 0u; d < hd; d++) {
          acc[d] = fma(p, f32(v_tile[j * hd + d]), acc[d]);
        }
      }
      m = m_new;
    }
    workgroupBarrier();
  }

  if (live) {
    let o_base = (b * shape.tokens + query) * dim + h * hd;
    let inv_l = 1.0 / l;
    for (var d = 0u; d < hd; d++) {
      out[o_base + d] = T(acc[d] * inv_l);
    }
  }
}
