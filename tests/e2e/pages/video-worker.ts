// Encodes a clip inside a module worker, to show the export needs no DOM.
import { encodeClip, type EncodeOptions } from '../../../src/video/index.ts';
import { squaresClip } from '../../helpers/synthetic-clip.ts';

self.onmessage = async (event: MessageEvent<Omit<EncodeOptions, 'signal'>>) => {
  try {
    let progressCalls = 0;
    const result = await encodeClip(squaresClip(), event.data, () => progressCalls++);
    const { blob, ...summary } = result;
    self.postMessage({ ok: true, ...summary, bytes: blob.size, progressCalls });
  } catch (error) {
    self.postMessage({ ok: false, name: (error as Error).name, message: (error as Error).message });
  }
};
