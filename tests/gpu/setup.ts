// Real WebGPU in Node: Dawn (npm `webgpu`) on a CPU Vulkan driver.
// lavapipe (Mesa >= 25) is preferred: it has shader-f16; SwiftShader is the fallback.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';

const DRIVERS = [
  '/usr/share/vulkan/icd.d/lvp_icd.json',
  '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json',
  '/usr/lib/chromium/vk_swiftshader_icd.json',
];

declare global {
  // Dawn crashes if its instance is collected while a device lives: keep it for the run.
  var tesseraDawn: GPU | undefined;
}

if (!globalThis.tesseraDawn) {
  const driver = process.env.VK_ICD_FILENAMES ?? DRIVERS.find((path) => existsSync(path));
  if (driver) process.env.VK_ICD_FILENAMES = driver;
  Object.assign(globalThis, globals);
  globalThis.tesseraDawn = create([]);
}
