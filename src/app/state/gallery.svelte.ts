// Every clip the user made, kept in IndexedDB (idb-keyval store 'tessera-gallery'/'clips'):
// frames as an ArrayBuffer, the parameters that reproduce it, when it was made and a thumbnail.
import { createStore, del, set, values, type UseStore } from 'idb-keyval';
import type { Frames, GenerationParams } from '../../engine/protocol.ts';
import { explain, type Explained } from '../lib/errors.ts';
import { framePng } from '../lib/frames.ts';

export const GALLERY_KINDS = ['generated', 'world-truth', 'world-model'] as const;
export type GalleryKind = (typeof GALLERY_KINDS)[number];

/** What is stored per clip. */
export interface GalleryRecord {
  version: 1;
  id: string;
  createdAt: number;
  kind: GalleryKind;
  params: GenerationParams;
  /** RGBA, (frameCount, height, width, 4). */
  rgba: ArrayBuffer;
  frameCount: number;
  width: number;
  height: number;
  fps: number;
  /** PNG of the middle frame, upscaled. */
  thumbnail: Blob;
  /** Wall time of the generation; absent for simulated clips. */
  milliseconds?: number;
}

export interface GalleryItem extends Omit<GalleryRecord, 'rgba'> {
  frames: Frames;
}

export interface ClipToSave extends Frames {
  fps: number;
}

function isRecord(value: unknown): value is GalleryRecord {
  const r = value as GalleryRecord;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.version === 1 &&
    typeof r.id === 'string' &&
    r.rgba instanceof ArrayBuffer &&
    r.rgba.byteLength === r.frameCount * r.width * r.height * 4
  );
}

const toItem = ({ rgba, ...rest }: GalleryRecord): GalleryItem => ({
  ...rest,
  frames: { rgba: new Uint8Array(rgba), frameCount: rest.frameCount, width: rest.width, height: rest.height },
});

export class GalleryState {
  /** Newest first. */
  items = $state.raw<GalleryItem[]>([]);
  ready = $state(false);
  error = $state.raw<Explained | null>(null);
  readonly #store: UseStore;
  #persistAsked = false;

  constructor(store: UseStore = createStore('tessera-gallery', 'clips')) {
    this.#store = store;
  }

  async load(): Promise<void> {
    try {
      const records = (await values<unknown>(this.#store)).filter(isRecord);
      this.items = records.map(toItem).sort((a, b) => b.createdAt - a.createdAt);
      this.error = null;
    } catch (error) {
      this.error = explain(error);
    } finally {
      this.ready = true;
    }
  }

  get(id: string): GalleryItem | undefined {
    return this.items.find((item) => item.id === id);
  }

  async save(clip: ClipToSave, params: GenerationParams, kind: GalleryKind, milliseconds?: number) {
    const rgba = clip.rgba.slice().buffer as ArrayBuffer;
    const frames: Frames = {
      rgba: new Uint8Array(rgba),
      frameCount: clip.frameCount,
      width: clip.width,
      height: clip.height,
    };
    const record: GalleryRecord = {
      version: 1,
      id: crypto.randomUUID(),
      createdAt: Date.now(),
      kind,
      params: { ...params },
      rgba,
      frameCount: clip.frameCount,
      width: clip.width,
      height: clip.height,
      fps: clip.fps,
      thumbnail: await framePng(frames, Math.floor(clip.frameCount / 2), 4),
      ...(milliseconds !== undefined ? { milliseconds } : {}),
    };
    try {
      await set(record.id, record, this.#store);
      this.error = null;
    } catch (error) {
      this.error = explain(error);
      throw error;
    }
    this.items = [toItem(record), ...this.items];
    if (!this.#persistAsked) {
      this.#persistAsked = true;
      void navigator.storage?.persist?.().catch(() => false);
    }
    return this.items[0]!;
  }

  async remove(id: string): Promise<void> {
    await del(id, this.#store);
    this.items = this.items.filter((item) => item.id !== id);
  }
}
