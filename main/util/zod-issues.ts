import type { z } from 'zod';

/** One line per problem, each naming the field, e.g. `province.appSecret: at least 8 characters`. */
export function describeIssues(error: z.ZodError, root = '(body)'): string {
  return error.issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      if (i.code === 'unrecognized_keys') return `${path ? path + '.' : ''}${i.keys.join(', ')}: unknown field`;
      return `${path || root}: ${i.message}`;
    })
    .join('; ');
}
