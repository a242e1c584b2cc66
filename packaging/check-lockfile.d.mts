export function checkLockfile(lock: unknown): { checked: number; problems: string[] };
export function checkInstallScripts(lock: unknown, allowScripts: Record<string, boolean> | undefined): string[];
