/**
 * Error locations as JSON paths: `$.conditions.all[1].value`, `$["odd key"]`. Rule and journey
 * validation both report their mistakes this way.
 */
export function jsonPath(steps: readonly PropertyKey[]): string {
  let path = '$';
  for (const step of steps) {
    if (typeof step === 'number') path += `[${step}]`;
    else if (typeof step === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(step)) path += `.${step}`;
    else path += `[${JSON.stringify(String(step))}]`;
  }
  return path;
}

/** The steps of a path jsonPath wrote: $.a[1]["b c"] is a, 1, "b c". */
export function pathSteps(path: string): PropertyKey[] {
  const steps: PropertyKey[] = [];
  for (const [, name, index, quoted] of path.slice(1).matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy)) {
    steps.push(name ?? (index !== undefined ? Number(index) : (JSON.parse(quoted ?? '""') as string)));
  }
  return steps;
}
