import type { Completion } from '@codemirror/autocomplete';

// Key and value completion from a JSON schema (GET /rules/schema, /journeys/schema): the property
// names of the object being edited and the enum or const values of the property. Only what such
// completion needs is read: properties, items, enum, const, $ref and the unions around them.

export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema | JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
}

/** The schemas a value at `path` may follow, unions spread out and references followed. */
function schemasAt(root: JsonSchema, path: ReadonlyArray<string | number>): JsonSchema[] {
  let current = expand(root, root, new Set());
  for (const step of path) {
    const next: JsonSchema[] = [];
    for (const schema of current) {
      if (typeof step === 'number') {
        const items = Array.isArray(schema.items) ? schema.items[step] : schema.items;
        if (items) next.push(items);
      } else {
        const property = schema.properties?.[step] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        if (property) next.push(property);
      }
    }
    current = next.flatMap((schema) => expand(root, schema, new Set()));
    if (current.length === 0) return [];
  }
  return current;
}

function expand(root: JsonSchema, schema: JsonSchema, seen: Set<string>): JsonSchema[] {
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return [];
    seen.add(schema.$ref);
    const target = resolve(root, schema.$ref);
    return target ? expand(root, target, seen) : [];
  }
  const parts = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  return [schema, ...parts.flatMap((part) => expand(root, part, seen))];
}

function resolve(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  return node as JsonSchema | undefined;
}

/** What may be typed at `path`: property names at a key, else the values the schema enumerates. */
export function completionsAt(root: JsonSchema, path: ReadonlyArray<string | number>, atPropertyKey: boolean): Completion[] {
  const seen = new Set<string>();
  const completions: Completion[] = [];
  const add = (completion: Completion) => {
    if (seen.has(completion.label)) return;
    seen.add(completion.label);
    completions.push(completion);
  };
  if (atPropertyKey) {
    for (const schema of schemasAt(root, path.slice(0, -1))) {
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        add({ label: JSON.stringify(name), type: 'property', ...(property.description ? { info: property.description } : {}) });
      }
    }
    return completions;
  }
  for (const schema of schemasAt(root, path)) {
    for (const value of schema.enum ?? []) add({ label: JSON.stringify(value), type: 'enum' });
    if (schema.const !== undefined) add({ label: JSON.stringify(schema.const), type: 'constant' });
  }
  return completions;
}
