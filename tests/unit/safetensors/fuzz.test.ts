import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DTYPE_BYTES,
  parseSafetensors,
  SafetensorsError,
  writeSafetensors,
  type TensorToWrite,
} from '../../../src/engine/model/safetensors.ts';
import { buildFile } from './build-file.ts';

// Either a well-formed result whose tensors all decode, or a SafetensorsError; nothing else.
function parsesOrRefusesCleanly(bytes: Uint8Array): void {
  let file;
  try {
    file = parseSafetensors(bytes);
  } catch (error) {
    if (!(error instanceof SafetensorsError)) throw error;
    return;
  }
  for (const info of file.tensors.values()) {
    expect(info.byteOffset + info.byteLength).toBeLessThanOrEqual(bytes.byteLength);
    const elements = info.shape.reduce((a, b) => a * b, 1);
    expect(info.byteLength).toBe(elements * DTYPE_BYTES[info.dtype]);
    expect(file.toFloat32(info.name).length).toBe(elements);
  }
  for (const value of Object.values(file.metadata)) expect(typeof value).toBe('string');
}

const tensorArb: fc.Arbitrary<TensorToWrite> = fc
  .tuple(
    fc.constantFrom('F32', 'F16', 'BF16' as const),
    fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  )
  .map(([dtype, shape]) => {
    const elements = shape.reduce((a, b) => a * b, 1);
    const data =
      dtype === 'F32' ? new Float32Array(elements).fill(0.5) : new Uint16Array(elements).fill(0x3c00);
    return { dtype, shape, data };
  });

const validFileArb = fc
  .tuple(
    fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), tensorArb, { maxKeys: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  )
  .filter(([tensors]) => !('__metadata__' in tensors))
  .map(([tensors, metadata]) => writeSafetensors(tensors, metadata));

const RUNS = { numRuns: 500 };

describe('parseSafetensors under fuzzing', () => {
  it('accepts every file the writer produces', () => {
    fc.assert(
      fc.property(validFileArb, (bytes) => void parseSafetensors(bytes)),
      RUNS,
    );
  });

  it('survives byte flips anywhere', () => {
    fc.assert(
      fc.property(
        validFileArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }),
        (bytes, flips) => {
          const mutated = bytes.slice();
          for (const [at, mask] of flips) mutated[at % mutated.length]! ^= mask;
          parsesOrRefusesCleanly(mutated);
        },
      ),
      RUNS,
    );
  });

  it('survives byte flips inside the header length and header text', () => {
    fc.assert(
      fc.property(validFileArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (bytes, at, value) => {
        const headerEnd = 8 + new DataView(bytes.buffer).getUint32(0, true);
        const mutated = bytes.slice();
        mutated[at % headerEnd] = value;
        parsesOrRefusesCleanly(mutated);
      }),
      RUNS,
    );
  });

  it('refuses every truncation of a non-empty file', () => {
    fc.assert(
      fc.property(validFileArb, fc.nat(), (bytes, cut) => {
        const length = cut % bytes.byteLength;
        expect(() => parseSafetensors(bytes.subarray(0, length))).toThrow(SafetensorsError);
      }),
      RUNS,
    );
  });

  it('survives edits to one field of the header', () => {
    const anyValue = fc.oneof(
      fc.jsonValue(),
      fc.integer({ min: -10, max: 2 ** 40 }),
      fc.double(),
      fc.constantFrom('F32', 'F16', 'BF16', 'I8', 'F64', ''),
      fc.array(fc.oneof(fc.integer({ min: -3, max: 64 }), fc.double()), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(
        validFileArb,
        fc.nat(),
        fc.constantFrom('dtype', 'shape', 'data_offsets', 'extra', '__metadata__'),
        anyValue,
        (bytes, pick, field, value) => {
          const headerBytes = new DataView(bytes.buffer).getUint32(0, true);
          const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerBytes))) as Record<
            string,
            Record<string, unknown>
          >;
          const names = Object.keys(header);
          if (field === '__metadata__') {
            header.__metadata__ = value as Record<string, unknown>;
          } else if (names.length > 0) {
            header[names[pick % names.length]!]![field] = value;
          }
          parsesOrRefusesCleanly(buildFile(header, bytes.subarray(8 + headerBytes)));
        },
      ),
      RUNS,
    );
  });

  it('survives random JSON headers over random data', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), fc.integer({ min: 0, max: 64 }), (json, dataBytes) => {
        parsesOrRefusesCleanly(buildFile(json, dataBytes));
      }),
      RUNS,
    );
  });

  it('survives plausible headers with random dtypes, shapes and offsets', () => {
    const entryArb = fc.record({
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'U8'),
      shape: fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 3 }),
      data_offsets: fc.tuple(fc.integer({ min: -1, max: 80 }), fc.integer({ min: -1, max: 80 })),
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 4 }), entryArb, { maxKeys: 4 }),
        fc.integer({ min: 0, max: 80 }),
        (header, dataBytes) => {
          parsesOrRefusesCleanly(buildFile(header, dataBytes));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('survives random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => parsesOrRefusesCleanly(bytes)),
      RUNS,
    );
  });
});
