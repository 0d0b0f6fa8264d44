// The float64 CPU reference of the whole model: the oracle for the WGSL kernels.
export * from './tensor.ts';
export * from './ops.ts';
export * from './embeddings.ts';
export * from './weights.ts';
export * from './dit.ts';
export * from './autoencoder.ts';
export * from './sampler.ts';
