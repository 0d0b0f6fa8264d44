// Which codec really encodes here. `isConfigSupported` alone is not enough (some platforms say
// yes and then fail on the first frame), so each candidate also encodes one real frame.
// Results are cached per codec string and size for the page's or worker's lifetime.
import type { ExportCodec, PixelSize } from './types.ts';

/** How long one probe may take before the codec counts as broken. */
const PROBE_TIMEOUT_MS = 15_000;

interface Level {
  id: number | string;
  maxFrameArea: number; // luma samples (VP9, AV1) or 16x16 macroblocks (H.264) per frame
  maxRate: number; // the same units per second
}

// H.264 Table A-1: level_idc, MaxFS (macroblocks), MaxMBPS.
const AVC_LEVELS: Level[] = [
  { id: 0x1e, maxFrameArea: 1620, maxRate: 40_500 },
  { id: 0x1f, maxFrameArea: 3600, maxRate: 108_000 },
  { id: 0x20, maxFrameArea: 5120, maxRate: 216_000 },
  { id: 0x28, maxFrameArea: 8192, maxRate: 245_760 },
  { id: 0x2a, maxFrameArea: 8704, maxRate: 522_240 },
  { id: 0x32, maxFrameArea: 22_080, maxRate: 589_824 },
  { id: 0x33, maxFrameArea: 36_864, maxRate: 983_040 },
  { id: 0x34, maxFrameArea: 36_864, maxRate: 2_073_600 },
  { id: 0x3c, maxFrameArea: 139_264, maxRate: 4_177_920 },
  { id: 0x3e, maxFrameArea: 139_264, maxRate: 16_711_680 },
];

// VP9 levels (webmproject.org/vp9/levels): MaxPictureSize, MaxLumaSampleRate.
const VP9_LEVELS: Level[] = [
  { id: '10', maxFrameArea: 36_864, maxRate: 829_440 },
  { id: '11', maxFrameArea: 73_728, maxRate: 2_764_800 },
  { id: '20', maxFrameArea: 122_880, maxRate: 4_608_000 },
  { id: '21', maxFrameArea: 245_760, maxRate: 9_216_000 },
  { id: '30', maxFrameArea: 552_960, maxRate: 20_736_000 },
  { id: '31', maxFrameArea: 983_040, maxRate: 36_864_000 },
  { id: '40', maxFrameArea: 2_228_224, maxRate: 83_558_400 },
  { id: '41', maxFrameArea: 2_228_224, maxRate: 160_432_128 },
  { id: '50', maxFrameArea: 8_912_896, maxRate: 311_951_360 },
  { id: '51', maxFrameArea: 8_912_896, maxRate: 588_251_136 },
  { id: '60', maxFrameArea: 35_651_584, maxRate: 1_176_502_272 },
];

// AV1 Annex A: seq_level_idx, MaxPicSize, MaxDisplayRate.
const AV1_LEVELS: Level[] = [
  { id: '00', maxFrameArea: 147_456, maxRate: 4_423_680 },
  { id: '01', maxFrameArea: 278_784, maxRate: 8_363_520 },
  { id: '04', maxFrameArea: 665_856, maxRate: 19_975_680 },
  { id: '05', maxFrameArea: 1_065_024, maxRate: 31_950_720 },
  { id: '08', maxFrameArea: 2_359_296, maxRate: 70_778_880 },
  { id: '09', maxFrameArea: 2_359_296, maxRate: 141_557_760 },
  { id: '12', maxFrameArea: 8_912_896, maxRate: 267_386_880 },
  { id: '13', maxFrameArea: 8_912_896, maxRate: 534_773_760 },
  { id: '16', maxFrameArea: 35_651_584, maxRate: 1_069_547_520 },
];

function pickLevel(levels: Level[], frameArea: number, fps: number): Level {
  return levels.find((l) => frameArea <= l.maxFrameArea && frameArea * fps <= l.maxRate) ?? levels.at(-1)!;
}

const hex2 = (value: number) => value.toString(16).padStart(2, '0');

/**
 * WebCodecs codec strings to try for `codec` at this size and rate, best first. H.264 offers
 * High then Constrained Baseline (the one every decoder takes); the others have one profile.
 */
export function codecStrings(codec: ExportCodec, size: PixelSize, fps: number): string[] {
  switch (codec) {
    case 'avc': {
      const macroblocks = Math.ceil(size.width / 16) * Math.ceil(size.height / 16);
      const level = hex2(pickLevel(AVC_LEVELS, macroblocks, fps).id as number);
      return [`avc1.6400${level}`, `avc1.42e0${level}`];
    }
    case 'vp9':
      return [`vp09.00.${pickLevel(VP9_LEVELS, size.width * size.height, fps).id}.08`];
    case 'av1':
      return [`av01.0.${pickLevel(AV1_LEVELS, size.width * size.height, fps).id}M.08`];
    case 'vp8':
      return ['vp8'];
  }
}

/** The encoder configuration an export uses, and the probe tests. */
export function encoderConfig(
  codecString: string,
  size: PixelSize,
  fps: number,
  bitsPerSecond: number,
): VideoEncoderConfig {
  return {
    codec: codecString,
    width: size.width,
    height: size.height,
    bitrate: bitsPerSecond,
    framerate: fps,
    latencyMode: 'quality',
    alpha: 'discard', // MP4 and WebM exports are opaque
    ...(codecString.startsWith('avc1') ? { avc: { format: 'avc' as const } } : {}), // MP4 needs avcC, not Annex B
  };
}

export function webCodecsAvailable(): boolean {
  return typeof VideoEncoder !== 'undefined' && typeof VideoFrame !== 'undefined';
}

const probes = new Map<string, Promise<boolean>>();

/** True when `config` passes `isConfigSupported` and one real frame encodes without error. */
export function canReallyEncode(config: VideoEncoderConfig): Promise<boolean> {
  if (!webCodecsAvailable()) return Promise.resolve(false);
  const key = `${config.codec}@${config.width}x${config.height}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = probeOnce(config);
    probes.set(key, probe);
  }
  return probe;
}

async function probeOnce(config: VideoEncoderConfig): Promise<boolean> {
  try {
    const support = await VideoEncoder.isConfigSupported(config);
    if (!support.supported) return false;
  } catch {
    return false; // a malformed or unknown codec string throws instead of saying no
  }
  return encodeOneFrame(config);
}

function encodeOneFrame(config: VideoEncoderConfig): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let chunks = 0;
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (encoder.state !== 'closed') encoder.close();
      resolve(ok);
    };
    const timer = setTimeout(() => settle(false), PROBE_TIMEOUT_MS);
    const encoder = new VideoEncoder({ output: () => void chunks++, error: () => settle(false) });
    let frame: VideoFrame | null = null;
    try {
      encoder.configure(config);
      const grey = new Uint8Array(config.width * config.height * 4).fill(128);
      frame = new VideoFrame(grey, {
        format: 'RGBX',
        codedWidth: config.width,
        codedHeight: config.height,
        timestamp: 0,
      });
      encoder.encode(frame, { keyFrame: true });
    } catch {
      settle(false);
    } finally {
      frame?.close();
    }
    if (!settled)
      encoder.flush().then(
        () => settle(chunks > 0),
        () => settle(false),
      );
  });
}

/** Forget cached probe results (tests; or after the GPU process restarts). */
export function forgetProbes(): void {
  probes.clear();
}
