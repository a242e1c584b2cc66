export const ROOT: string;
export const ARCHES: Record<'amd64' | 'arm64', { node: string; elfMachine: string }>;
export class MissingToolError extends Error {}
export function requireTools(tools: [string, string][]): void;
export function checkNativeBuilds(modulesDir: string, kept: string[], arch: 'amd64' | 'arm64'): number;
export function checkElfMachines(files: string[], arch: 'amd64' | 'arm64'): number;
export function buildRelease(o: { arch: 'amd64' | 'arm64'; out: string }): { release: string; version: string; elfChecked: number; nativeModules: string[] };
export function releaseSchema(): string;
