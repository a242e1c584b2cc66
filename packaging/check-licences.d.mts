export const PERMISSIVE: Set<string>;
export function shippable(expression: string): boolean;
export function checkLicences(start?: string): { count: number; refused: string[] };
