// Latent (B, C, T, H, W) -> tokens (B, L, C*pt*ph*pw), L = (T/pt)(H/ph)(W/pw) in (t, h, w)
// order, features in the order a Conv3d weight (D, C, pt, ph, pw) flattens, so DiT's
// x_embedder (Conv3d, kernel = stride = patch) becomes a matmul with weight (D, C*pt*ph*pw).
// One invocation per output element (a gather).

alias T = f32;

override WG: u32 = 64u;

struct Shape {
  count: u32,
  channels: u32,
  frames: u32,
  height: u32,
  width: u32,
  pt: u32,
  ph: u32,
  pw: u32,
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
  let patch_size = shape.pt * shape.ph * shape.pw;
  let features = shape.channels * patch_size;
  let hp = shape.height / shape.ph;
  let wp = shape.width / shape.pw;
  let tokens = (shape.frames / shape.pt) * hp * wp;

  let f = i % features;
  let token = (i / features) % tokens;
  let b = i / (features * tokens);
  let c = f / patch_size;
  let kt = (f / (shape.ph * shape.pw)) % shape.pt;
  let kh = (f / shape.pw) % shape.ph;
  let kw = f % shape.pw;
  let gw = token % wp;
  let gh = (token / wp) % hp;
  let gt = token / (wp * hp);

  let t = gt * shape.pt + kt;
  let h = gh * shape.ph + kh;
  let w = gw * shape.pw + kw;
  y[i] = x[(((b * shape.channels + c) * shape.frames + t) * shape.height + h) * shape.width + w];
}
