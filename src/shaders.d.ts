// WGSL sources are imported as text: `import source from '../../shaders/gelu.wgsl?raw'`.
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
