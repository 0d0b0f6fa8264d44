export function securityHeaders(options: { dev: boolean }): Record<string, string>;
