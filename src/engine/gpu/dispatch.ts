/**
 * Spreads `workgroups` over x and y so neither exceeds `maxPerDimension`
 * (65535 on most adapters). Kernels fold y back in: `i = gid.x + gid.y * groupsX * size`.
 */
export function dispatchGrid(workgroups: number, maxPerDimension: number): [x: number, y: number] {
  if (!Number.isInteger(workgroups) || workgroups < 0) {
    throw new RangeError(`workgroups must be a non-negative integer, got ${workgroups}`);
  }
  if (workgroups <= maxPerDimension) return [workgroups, 1];
  const y = Math.ceil(workgroups / maxPerDimension);
  if (y > maxPerDimension) {
    throw new RangeError(`${workgroups} workgroups exceed ${maxPerDimension}^2`);
  }
  return [Math.ceil(workgroups / y), y];
}
