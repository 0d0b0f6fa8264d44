import { describe, expect, it } from 'vitest';
import { BufferPool, PoolSealedError, sizeClass } from '../../src/engine/gpu/buffer-pool.ts';
import { testGpu } from './context.ts';

describe('sizeClass', () => {
  it('rounds up to 256 B, then to quarter steps of a power of two (<= 25% slack)', () => {
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(256)).toBe(256);
    expect(sizeClass(257)).toBe(320);
    expect(sizeClass(1000)).toBe(1024);
    expect(sizeClass(1025)).toBe(1280);
    for (let bytes = 257; bytes < 1 << 20; bytes = Math.ceil(bytes * 1.37) + 1) {
      const c = sizeClass(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c / bytes).toBeLessThanOrEqual(1.25);
      expect(sizeClass(c)).toBe(c);
    }
    expect(() => sizeClass(0)).toThrow(RangeError);
  });
});

describe('BufferPool', () => {
  it('recycles released buffers and accounts bytes in use and allocated', async () => {
    const { device } = await testGpu();
    const pool = new BufferPool(device, 'test-pool');
    const a = pool.acquire(1000, 'blocks.0.qkv');
    const b = pool.acquire(5000, 'blocks.0.mlp');
    expect(a.label).toBe('test-pool:blocks.0.qkv');
    expect(a.size).toBe(1024);
    expect(pool.bytesInUse).toBe(1024 + 5120);
    expect(pool.bytesAllocated).toBe(1024 + 5120);
    pool.release(a);
    expect(pool.bytesInUse).toBe(5120);
    // Same class: the released buffer comes back, nothing new is allocated.
    const c = pool.acquire(900, 'blocks.1.qkv');
    expect(c).toBe(a);
    expect(pool.buffersAllocated).toBe(2);
    pool.release(b);
    pool.release(c);
    expect(pool.bytesInUse).toBe(0);
    expect(pool.bytesAllocated).toBe(1024 + 5120);
    expect(() => pool.release(c)).toThrow(/released twice/);
    pool.destroy();
    expect(pool.bytesAllocated).toBe(0);
  });

  it('serves a whole step from reserved buffers once sealed, and refuses to grow', async () => {
    const { device } = await testGpu();
    const pool = new BufferPool(device, 'sealed');
    pool.reserve([4096, 4096, 300]);
    pool.seal();
    const allocated = pool.bytesAllocated;
    for (let step = 0; step < 3; step++) {
      const x = pool.acquire(4000, 'x');
      const y = pool.acquire(4096, 'y');
      const t = pool.acquire(260, 't');
      for (const buffer of [x, y, t]) pool.release(buffer);
    }
    expect(pool.bytesAllocated).toBe(allocated);
    expect(pool.bytesInUse).toBe(0);
    expect(() => pool.acquire(1 << 20, 'too big')).toThrow(PoolSealedError);
    const stranger = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE });
    expect(() => pool.release(stranger)).toThrow(/does not belong/);
    stranger.destroy();
    pool.destroy();
  });

  it('refuses a buffer larger than maxBufferSize with the limit named', async () => {
    const { device } = await testGpu();
    const pool = new BufferPool(device);
    expect(() => pool.acquire(device.limits.maxBufferSize + 1, 'huge')).toThrow(/maxBufferSize/);
    pool.destroy();
  });
});
