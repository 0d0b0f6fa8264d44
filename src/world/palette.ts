// Distinct saturated colours a small model can tell apart at 32x32, and the background.

export const COLOURS = {
  red: [230, 40, 40],
  green: [40, 200, 60],
  blue: [50, 90, 240],
  yellow: [240, 220, 40],
  cyan: [40, 220, 230],
  magenta: [220, 50, 220],
  white: [235, 235, 235],
} as const satisfies Record<string, readonly [number, number, number]>;

export type ColourName = keyof typeof COLOURS;

export const COLOUR_NAMES = Object.keys(COLOURS) as readonly ColourName[];

export const BACKGROUND = [16, 16, 20] as const;

export function isColourName(name: string): name is ColourName {
  return Object.hasOwn(COLOURS, name);
}
