// Named errors: each says what went wrong and what the user can do next.
// Their `name` survives the worker boundary, so the UI can tell them apart.

export class WebGPUUnavailableError extends Error {
  override name = 'WebGPUUnavailableError';
  constructor() {
    super(
      'This browser does not expose WebGPU. Use a current Chrome or Edge (113+), Safari 26+, or ' +
        'Firefox 141+ on Windows; on Linux start Chrome with --enable-unsafe-webgpu ' +
        '(or enable chrome://flags/#enable-unsafe-webgpu).',
    );
  }
}

export class AdapterUnavailableError extends Error {
  override name = 'AdapterUnavailableError';
  constructor() {
    super(
      'WebGPU is present but no GPU adapter was granted. The GPU may be blocklisted or ' +
        'hardware acceleration turned off: enable it in the browser settings, update the GPU ' +
        'driver, or on Linux start Chrome with --enable-unsafe-webgpu (which also allows the ' +
        'software adapter).',
    );
  }
}

export class LimitTooLowError extends Error {
  override name = 'LimitTooLowError';
  constructor(limit: string, needed: number, available: number) {
    super(
      `This GPU offers ${limit} = ${available}, but Tessera needs ${needed}. ` +
        'Try another browser or a machine with a more capable GPU.',
    );
  }
}

export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(reason: string, detail: string) {
    super(
      `The GPU device was lost (${reason}${detail ? `: ${detail}` : ''}). ` +
        'Nothing saved is lost; the next generation starts a new device.',
    );
  }
}

/** A request named a backend this browser or this model cannot run. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
