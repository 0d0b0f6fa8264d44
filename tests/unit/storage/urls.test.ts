import { describe, expect, it } from 'vitest';
import { modelFileUrl } from '../../../src/storage/model-source.ts';
import { ModelSourceError } from '../../../src/storage/errors.ts';

const page = 'https://tessera.example/app/';

describe('modelFileUrl', () => {
  it('resolves same-origin paths against the page, whatever its scheme', () => {
    expect(modelFileUrl('/models/tiny/', 'config.json', page)).toBe(
      'https://tessera.example/models/tiny/config.json',
    );
    expect(modelFileUrl('/models/tiny', 'model.safetensors', 'http://192.168.1.5:5173/')).toBe(
      'http://192.168.1.5:5173/models/tiny/model.safetensors',
    );
    expect(modelFileUrl('models/tiny', 'config.json', page)).toBe(
      'https://tessera.example/app/models/tiny/config.json',
    );
    expect(modelFileUrl('/models/tiny', 'config.json', undefined)).toBe('/models/tiny/config.json');
  });

  it('accepts https anywhere, including Hugging Face resolve URLs', () => {
    expect(modelFileUrl('https://huggingface.co/org/repo/resolve/main/', 'model.safetensors', page)).toBe(
      'https://huggingface.co/org/repo/resolve/main/model.safetensors',
    );
    expect(modelFileUrl('https://huggingface.co/org/repo/resolve/main', 'config.json', undefined)).toBe(
      'https://huggingface.co/org/repo/resolve/main/config.json',
    );
  });

  it('accepts plain http only for localhost', () => {
    expect(modelFileUrl('http://localhost:8000/m/', 'config.json', page)).toBe(
      'http://localhost:8000/m/config.json',
    );
    expect(modelFileUrl('http://127.0.0.1/m', 'config.json', page)).toBe('http://127.0.0.1/m/config.json');
    expect(modelFileUrl('http://[::1]:9/m', 'config.json', page)).toBe('http://[::1]:9/m/config.json');
    expect(() => modelFileUrl('http://models.example/m/', 'config.json', page)).toThrow(
      'refusing to download a model over plain http from models.example: use https (http is allowed only for localhost)',
    );
    expect(() => modelFileUrl('//models.example/m/', 'config.json', 'http://localhost/')).toThrow(
      ModelSourceError,
    );
  });

  it('refuses other schemes and empty or broken URLs', () => {
    expect(() => modelFileUrl('ftp://x/m', 'config.json', page)).toThrow(
      'model URL scheme ftp: is not supported; use https',
    );
    expect(() => modelFileUrl('javascript:alert(1)//', 'config.json', page)).toThrow(ModelSourceError);
    expect(() => modelFileUrl('', 'config.json', page)).toThrow('model URL is empty');
    expect(() => modelFileUrl('https://[bad/', 'config.json', page)).toThrow(/is not a valid URL/);
  });
});
