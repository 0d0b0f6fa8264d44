// Opening a user's file: is it a video mediabunny reads, an image, or neither? Library errors
// become this module's named errors here, so callers see one vocabulary.
import { ALL_FORMATS, BlobSource, Input, type InputVideoTrack } from 'mediabunny';
import {
  CorruptInputError,
  NoVideoTrackError,
  UnrecognisedInputError,
  UnsupportedInputCodecError,
} from './errors.ts';
import { decodeParamsComment, type GenerationParams } from './metadata.ts';

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp';

/** The image format named by the file's first bytes, or null. */
export async function sniffImage(file: Blob): Promise<ImageKind | null> {
  const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head[0] === 0x89 && ascii(1, 4) === 'PNG') return 'png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return null;
}

/** A mediabunny Input for `file`, or null when no video container format recognises it. */
export async function openMediaInput(file: Blob): Promise<Input | null> {
  const input = new Input({ formats: ALL_FORMATS, source: new BlobSource(file) });
  try {
    if (await input.canRead()) return input;
  } catch {
    // a container that starts right and then breaks is handled by the caller's reads
  }
  input.dispose();
  return null;
}

export interface OpenedVideo {
  input: Input;
  track: InputVideoTrack;
  codec: string;
}

/** The primary video track of a readable, decodable video; the caller disposes `input`. */
export async function openVideoTrack(input: Input): Promise<OpenedVideo> {
  let track: InputVideoTrack | null;
  let codec: string | null;
  let decodable: boolean;
  try {
    track = await input.getPrimaryVideoTrack();
    if (!track) {
      // No tracks at all is what a truncated MP4 looks like (its index comes last); audio only is not.
      if ((await input.getTracks()).length === 0) throw new CorruptInputError('it has no tracks at all');
      throw new NoVideoTrackError();
    }
    codec = await track.getCodec();
    decodable = await track.canDecode();
  } catch (error) {
    if (error instanceof NoVideoTrackError || error instanceof CorruptInputError) throw error;
    throw new CorruptInputError(error);
  }
  const parameterString = await track.getCodecParameterString().catch(() => null);
  if (!codec || !decodable) throw new UnsupportedInputCodecError(parameterString ?? codec ?? 'unknown');
  return { input, track, codec };
}

/**
 * The generation params an exported MP4 or WebM carries, or null when the file (a video or an
 * image) has none. Throws UnrecognisedInputError for anything else.
 */
export async function readParams(file: Blob): Promise<GenerationParams | null> {
  const input = await openMediaInput(file);
  if (!input) {
    if (await sniffImage(file)) return null;
    throw new UnrecognisedInputError(file.type);
  }
  try {
    const tags = await input.getMetadataTags();
    return decodeParamsComment(tags.comment);
  } catch (error) {
    throw new CorruptInputError(error);
  } finally {
    input.dispose();
  }
}
