// Tokens (B, L, pt*ph*pw*C) with within-patch order (pt, ph, pw, C), DiT's final_layer layout,
// -> (B, C, T, H, W), as DiT's unpatchify einsum 'nthwpqrc->nctphqwr'. One invocation per
// output element (a gather).

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
  let w = i % shape.width;
  let h = (i / shape.width) % shape.height;
  let t = (i / (shape.width * shape.height)) % shape.frames;
  let c = (i / (shape.width * shape.height * shape.frames)) % shape.channels;
  let b = i / (shape.width * shape.height * shape.frames * shape.channels);

  let hp = shape.height / shape.ph;
  let wp = shape.width / shape.pw;
  let tokens = (shape.frames / shape.pt) * hp * wp;
  let features = shape.pt * shape.ph * shape.pw * shape.channels;
  let token = ((t / shape.pt) * hp + h / shape.ph) * wp + w / shape.pw;
  let f = (((t % shape.pt) * shape.ph + h % shape.ph) * shape.pw + w % shape.pw) * shape.channels + c;
  y[i] = x[(b * tokens + token) * features + f];
}
