import source from '../../../shaders/gelu.wgsl?raw';
import { dispatchGrid } from '../gpu/dispatch.ts';
import type { PipelineCache } from '../gpu/pipeline-cache.ts';
import { readFloat32, uploadFloat32 } from '../gpu/readback.ts';

const WORKGROUP_SIZE = 64;
const KEY = { name: 'gelu', dtype: 'f32' } as const;

/** Encodes y = gelu(x) over `count` f32 elements. */
export function encodeGelu(
  device: GPUDevice,
  pipelines: PipelineCache,
  encoder: GPUCommandEncoder,
  x: GPUBuffer,
  y: GPUBuffer,
  count: number,
): GPUBuffer {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`gelu: count ${count}`);
  if (x.size < count * 4 || y.size < count * 4) {
    throw new RangeError(`gelu: buffers of ${x.size} and ${y.size} bytes hold fewer than ${count} f32`);
  }
  const pipeline = pipelines.get(KEY, source, { WORKGROUP_SIZE });
  const [groupsX, groupsY] = dispatchGrid(
    Math.ceil(count / WORKGROUP_SIZE),
    device.limits.maxComputeWorkgroupsPerDimension,
  );
  const uniforms = device.createBuffer({
    label: 'gelu:f32:shape',
    size: 16,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(uniforms, 0, new Uint32Array([count, groupsX, 0, 0]));
  const bindGroup = device.createBindGroup({
    label: 'gelu:f32',
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: uniforms } },
      { binding: 1, resource: { buffer: x } },
      { binding: 2, resource: { buffer: y } },
    ],
  });
  const pass = encoder.beginComputePass({ label: 'gelu:f32' });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(groupsX, groupsY);
  pass.end();
  return uniforms;
}

/** Runs gelu on a host array: upload, one dispatch, read back. */
export async function gelu(
  device: GPUDevice,
  pipelines: PipelineCache,
  input: Float32Array,
): Promise<Float32Array> {
  const x = uploadFloat32(device, 'gelu:x', input);
  const y = uploadFloat32(device, 'gelu:y', new Float32Array(input.length));
  const encoder = device.createCommandEncoder({ label: 'gelu' });
  const uniforms = encodeGelu(device, pipelines, encoder, x, y, input.length);
  device.queue.submit([encoder.finish()]);
  const result = await readFloat32(device, y, input.length);
  for (const buffer of [x, y, uniforms]) buffer.destroy();
  return result;
}

/** float64 reference of the same formula. */
export function geluReference(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  const c = Math.sqrt(2 / Math.PI);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v)));
  }
  return out;
}
