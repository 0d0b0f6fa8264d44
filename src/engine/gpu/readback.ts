/** Copies `bytes` of a storage buffer into a fresh mappable buffer and reads them back. */
export async function readFloat32(
  device: GPUDevice,
  source: GPUBuffer,
  count: number,
): Promise<Float32Array> {
  const bytes = count * 4;
  const staging = device.createBuffer({
    label: `readback:${source.label}`,
    size: bytes,
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  const encoder = device.createCommandEncoder({ label: 'readback' });
  encoder.copyBufferToBuffer(source, 0, staging, 0, bytes);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const result = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return result;
}

/** A storage buffer filled from `data` (copied first: some implementations reject shared views). */
export function uploadFloat32(device: GPUDevice, label: string, data: Float32Array): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(4, data.byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, new Float32Array(data));
  return buffer;
}
