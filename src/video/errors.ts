// Named errors for exporting and reading clips. Each message says what was wrong and what to do;
// the `name` survives a worker boundary, so the UI can tell them apart.

/** Base of everything `encodeClip`, `exportGif` and `exportFrameStrip` throw on purpose. */
export class VideoExportError extends Error {
  override name = 'VideoExportError';
}

/** The clip itself is unusable: no frames, a buffer of the wrong length, a bad frame rate. */
export class InvalidClipError extends VideoExportError {
  override name = 'InvalidClipError';
}

/** An export option is out of range or of the wrong kind (size, filter, container, bitrate). */
export class InvalidExportOptionsError extends VideoExportError {
  override name = 'InvalidExportOptionsError';
}

/** No codec the container allows could really encode a frame in this browser. */
export class NoEncodableCodecError extends VideoExportError {
  override name = 'NoEncodableCodecError';
  constructor(container: string, tried: readonly string[], width: number, height: number) {
    super(
      `This browser cannot encode ${container.toUpperCase()} video at ${width}x${height} ` +
        `(tried ${tried.join(', ')}). Try the other container, a smaller size, or a current ` +
        'Chrome, Edge or Safari.',
    );
  }
}

/** The encoder or the muxer failed part-way. */
export class EncoderFailedError extends VideoExportError {
  override name = 'EncoderFailedError';
  constructor(codec: string, cause: unknown) {
    super(`The ${codec} encoder failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** Base of everything `readContextFrames` and `readParams` throw on purpose. */
export class VideoInputError extends Error {
  override name = 'VideoInputError';
}

/** Neither a video container nor an image this browser can decode. */
export class UnrecognisedInputError extends VideoInputError {
  override name = 'UnrecognisedInputError';
  constructor(type: string) {
    super(
      `This file${type ? ` (${type})` : ''} is neither a video (MP4, WebM, MOV, MKV) nor an ` +
        'image (PNG, JPEG, WebP, GIF).',
    );
  }
}

/** The container was recognised but its contents could not be read or decoded. */
export class CorruptInputError extends VideoInputError {
  override name = 'CorruptInputError';
  constructor(detail: unknown) {
    super(
      `This file looks damaged or truncated and could not be read: ${
        detail instanceof Error ? detail.message : String(detail)
      }`,
      { cause: detail },
    );
  }
}

export class NoVideoTrackError extends VideoInputError {
  override name = 'NoVideoTrackError';
  constructor() {
    super('This file has no video track (audio only?). Choose a file with video in it.');
  }
}

export class NoFramesError extends VideoInputError {
  override name = 'NoFramesError';
  constructor() {
    super('This video has a video track but no frames in it.');
  }
}

export class UnsupportedInputCodecError extends VideoInputError {
  override name = 'UnsupportedInputCodecError';
  constructor(codec: string) {
    super(
      `This browser cannot decode the file's ${codec} video. Re-encode it as H.264, VP9 or AV1, ` +
        'or try another browser.',
    );
  }
}

/** The caller's AbortSignal fired: rethrow its reason, or a standard AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The export was aborted.', 'AbortError');
}
