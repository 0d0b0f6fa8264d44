// A typed view of a WGSL uniform struct made only of 4-byte scalars, declared in the same
// order as the struct in the shader:
//   struct Shape { rows: u32, dim: u32, eps: f32 }  <->  uniformStruct({ rows: 'u32', dim: 'u32', eps: 'f32' })

export type ScalarType = 'u32' | 'i32' | 'f32';
export type UniformFields = Readonly<Record<string, ScalarType>>;
export type UniformValues<F extends UniformFields> = { [K in keyof F]: number };

export interface UniformStruct<F extends UniformFields> {
  readonly fields: F;
  /** Size of the packed struct, rounded up to 16 bytes (the uniform buffer granule). */
  readonly byteSize: number;
  /** Packs values in declaration order; throws on a value the field type cannot hold. */
  pack(values: UniformValues<F>): ArrayBuffer;
}

const U32_MAX = 2 ** 32 - 1;

export function uniformStruct<const F extends UniformFields>(fields: F): UniformStruct<F> {
  const names = Object.keys(fields) as (keyof F & string)[];
  const byteSize = Math.max(16, Math.ceil((names.length * 4) / 16) * 16);
  return {
    fields,
    byteSize,
    pack(values) {
      const data = new ArrayBuffer(byteSize);
      const view = new DataView(data);
      names.forEach((name, i) => {
        const value = values[name];
        const type = fields[name];
        if (type === 'f32') {
          if (!Number.isFinite(value)) throw new RangeError(`uniform ${name}: ${value} is not finite`);
          view.setFloat32(i * 4, value, true);
        } else if (type === 'u32') {
          if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
            throw new RangeError(`uniform ${name}: ${value} is not a u32`);
          }
          view.setUint32(i * 4, value, true);
        } else {
          if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
            throw new RangeError(`uniform ${name}: ${value} is not an i32`);
          }
          view.setInt32(i * 4, value, true);
        }
      });
      return data;
    },
  };
}
