import { describe, expect, it } from 'vitest';
import {
  parseSafetensors,
  SafetensorsError,
  writeSafetensors,
} from '../../../src/engine/model/safetensors.ts';
import { buildFile, withHeaderLength } from './build-file.ts';

const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

function refusal(bytes: Uint8Array | ArrayBuffer): SafetensorsError {
  try {
    parseSafetensors(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).name).toBe('SafetensorsError');
    return error as SafetensorsError;
  }
  throw new Error('expected parseSafetensors to refuse the file');
}

const encode = (text: string) => new TextEncoder().encode(text);

describe('parseSafetensors refuses', () => {
  it('a file shorter than the length prefix', () => {
    expect(refusal(new Uint8Array(5)).message).toBe('file is 5 bytes, shorter than the 8-byte header length');
  });

  it('an absurd header length', () => {
    expect(refusal(withHeaderLength(2 ** 40, encode('{}'))).message).toMatch(
      /header length 1099511627776 exceeds the 104857600-byte limit/,
    );
    expect(refusal(withHeaderLength(2 ** 64 - 2 ** 12, encode('{}'))).message).toMatch(/exceeds the/);
  });

  it('a header length of zero', () => {
    expect(refusal(withHeaderLength(0, encode('{}'))).message).toBe('header length is 0');
  });

  it('a header longer than the file', () => {
    expect(refusal(withHeaderLength(1000, encode('{}'))).message).toBe(
      'header length 1000 runs past the end of the 10-byte file (truncated?)',
    );
  });

  it('a header that is not UTF-8', () => {
    expect(refusal(withHeaderLength(3, new Uint8Array([0x7b, 0xff, 0x7d]))).message).toBe(
      'header is not valid UTF-8',
    );
  });

  it('a header that is not JSON or not an object', () => {
    expect(refusal(buildFile('{"a": ')).message).toMatch(/^header is not valid JSON: /);
    expect(refusal(buildFile('[1, 2]')).message).toMatch(/header must start with '\{'/);
    expect(refusal(buildFile('  {}')).message).toMatch(/header must start with '\{'/);
    expect(refusal(buildFile('null')).message).toMatch(/header must start with '\{'/);
  });

  it('metadata that is not string to string', () => {
    expect(refusal(buildFile({ __metadata__: { epoch: 3 } })).message).toBe(
      '"__metadata__" value for "epoch" must be a string, found 3',
    );
    expect(refusal(buildFile({ __metadata__: ['a'] })).message).toBe(
      '"__metadata__" must be an object of strings',
    );
    expect(refusal(buildFile({ __metadata__: null })).message).toBe(
      '"__metadata__" must be an object of strings',
    );
  });

  it('a tensor entry that is not an object', () => {
    expect(refusal(buildFile({ w: 5 })).message).toBe('tensor "w": entry must be an object');
  });

  it('unknown or missing dtypes, naming them', () => {
    expect(refusal(buildFile({ w: entry('I64', [1], [0, 8]) }, 8)).message).toBe(
      'tensor "w": dtype "I64" is not supported (supported: F32, F16, BF16)',
    );
    expect(refusal(buildFile({ w: entry('f32', [1], [0, 4]) }, 4)).message).toMatch(
      /dtype "f32" is not supported/,
    );
    expect(refusal(buildFile({ w: { shape: [1], data_offsets: [0, 4] } }, 4)).message).toBe(
      'tensor "w": dtype must be a string, found nothing',
    );
  });

  it('shapes with negative, fractional or non-numeric dimensions', () => {
    expect(refusal(buildFile({ w: entry('F32', [2, -1], [0, 4]) }, 4)).message).toBe(
      'tensor "w": shape[1] must be a non-negative integer, found -1',
    );
    expect(refusal(buildFile({ w: entry('F32', [1.5], [0, 4]) }, 4)).message).toMatch(
      /shape\[0\] .* found 1.5/,
    );
    expect(refusal(buildFile({ w: entry('F32', ['2'], [0, 8]) }, 8)).message).toMatch(
      /shape\[0\] .* found "2"/,
    );
    expect(refusal(buildFile({ w: entry('F32', 4, [0, 16]) }, 16)).message).toBe(
      'tensor "w": shape must be an array, found 4',
    );
  });

  it('malformed data_offsets', () => {
    expect(refusal(buildFile({ w: entry('F32', [1], [0]) }, 4)).message).toMatch(
      /tensor "w": data_offsets must be \[begin, end\] of non-negative integers, found \[0\]/,
    );
    expect(refusal(buildFile({ w: entry('F32', [1], [0, 4, 8]) }, 8)).message).toMatch(
      /data_offsets must be/,
    );
    expect(refusal(buildFile({ w: entry('F32', [1], [-4, 0]) }, 4)).message).toMatch(/data_offsets must be/);
    expect(refusal(buildFile({ w: entry('F32', [0], [4, 0]) }, 4)).message).toBe(
      'tensor "w": data_offsets [4, 0] end before they begin',
    );
  });

  it('a byte length that disagrees with the shape, giving both numbers', () => {
    expect(refusal(buildFile({ w: entry('F16', [2, 3], [0, 8]) }, 8)).message).toBe(
      'tensor "w": shape [2, 3] of F16 needs 12 bytes, but data_offsets [0, 8] give 8',
    );
    const huge = 2 ** 40;
    expect(refusal(buildFile({ w: entry('F32', [huge, huge], [0, 4]) }, 4)).message).toMatch(
      /needs more than 2\^53 bytes/,
    );
  });

  it('offsets past the end of the data (a truncated file)', () => {
    const whole = writeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    expect(refusal(whole.subarray(0, whole.byteLength - 1)).message).toBe(
      'tensor "w": data_offsets [0, 16] run past the 15 bytes of data (truncated?)',
    );
  });

  it('overlapping tensors, naming both', () => {
    const header = { a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) };
    expect(refusal(buildFile(header, 12)).message).toBe(
      'tensor "b" [4, 12] overlaps tensor "a" which ends at 8',
    );
  });

  it('two tensors sharing the same bytes', () => {
    const header = { a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [0, 4]) };
    expect(refusal(buildFile(header, 4)).message).toMatch(/overlaps tensor/);
  });

  it('gaps between tensors or before the first', () => {
    const gap = { a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) };
    expect(refusal(buildFile(gap, 12)).message).toBe(
      'gap in the data: bytes [4, 8) before tensor "b" belong to no tensor',
    );
    expect(refusal(buildFile({ a: entry('F32', [1], [4, 8]) }, 8)).message).toMatch(
      /bytes \[0, 4\) before tensor "a"/,
    );
  });

  it('trailing bytes after the last tensor', () => {
    expect(refusal(buildFile({ a: entry('F32', [1], [0, 4]) }, 6)).message).toBe(
      'tensors cover 4 bytes of data but the file holds 6 after the header',
    );
  });

  it('input that is not bytes', () => {
    expect(() => parseSafetensors('{}' as unknown as Uint8Array)).toThrow(SafetensorsError);
  });
});

describe('a parsed file', () => {
  it('names the missing tensor and what the file has', () => {
    const file = parseSafetensors(
      writeSafetensors({ 'x_embedder.proj.weight': { dtype: 'F32', shape: [1], data: new Float32Array(1) } }),
    );
    expect(() => file.tensor('y_embedder.weight')).toThrow(
      new SafetensorsError('no tensor named "y_embedder.weight" (the file has 1: "x_embedder.proj.weight")'),
    );
    expect(() => file.toFloat32('nope')).toThrow(SafetensorsError);
  });
});

describe('writeSafetensors refuses', () => {
  it('data whose length disagrees with the shape', () => {
    expect(() => writeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      'tensor "w": shape [3] of F32 needs 12 bytes, data has 8',
    );
  });

  it('the reserved name, unknown dtypes and bad dims', () => {
    const data = new Float32Array(1);
    expect(() => writeSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data } })).toThrow(/reserved/);
    expect(() => writeSafetensors({ w: { dtype: 'F64' as 'F32', shape: [1], data } })).toThrow(
      /not supported/,
    );
    expect(() => writeSafetensors({ w: { dtype: 'F32', shape: [-1], data } })).toThrow(/invalid dimension/);
  });
});
