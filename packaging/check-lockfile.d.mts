export function checkLockfile(lock: unknown): { checked: number; problems: string[] };
