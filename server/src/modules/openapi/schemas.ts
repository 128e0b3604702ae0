/**
 * TypeBox schemas as the document's JSON Schema (OpenAPI 3.1 is JSON Schema 2020-12): TypeBox's own keys (symbols)
 * dropped, a union of literals written as an `enum`, and every schema that is one of the wire contract's named
 * schemas (`Session`, `Message`… exported by `sdk/src/protocol`) written as a `$ref` to a component of that name,
 * so generated clients get the same names as the SDK.
 */
export type JsonSchema = { [key: string]: unknown };

const KIND = Symbol.for('TypeBox.Kind');
const OPTIONAL = Symbol.for('TypeBox.Optional');

/** A TypeBox schema (what `t.*` and `Type.*` build). */
export const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && KIND in value;
/** Marked `t.Optional(…)`: as a body, it may be left out. */
export const isOptional = (schema: unknown) => typeof schema === 'object' && schema !== null && (schema as Record<symbol, unknown>)[OPTIONAL] === 'Optional';

/** Component names that differ from the export's: `Error` would shadow JavaScript's own in the protocol module. */
const RENAMED: Record<string, string> = { ErrorEnvelope: 'Error' };

/** The plain JSON Schema of a TypeBox schema. */
export function plain(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(plain);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) out[key] = plain(value);
  const variants = out.anyOf as JsonSchema[] | undefined;
  // `Type.Union([Type.Literal('a'), Type.Literal('b')])`: `{ type: 'string', enum: ['a', 'b'] }`, as generators read best.
  if (variants?.length && variants.every((v) => 'const' in v && v.type === variants[0]!.type && Object.keys(v).length === 2)) {
    const { anyOf: _, ...rest } = out;
    return { type: variants[0]!.type, enum: variants.map((v) => v.const), ...rest };
  }
  return out;
}

/** JSON with keys in order: two schemas of the same shape have the same text. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

/** Keys whose values are schemas, or lists or maps of schemas (JSON Schema's applicators the protocol uses). */
const SCHEMA_KEYS = new Set(['items', 'not', 'additionalProperties', 'contains']);
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs']);

/**
 * Writes schemas for the document, naming what the protocol names. Built once per document: `components` holds
 * each named schema that some answer or request used, with the example given for it.
 */
export class SchemaWriter {
  readonly components: Record<string, JsonSchema> = {};
  private readonly byShape = new Map<string, string>();

  constructor(
    named: Record<string, unknown>,
    private readonly examples: Record<string, unknown> = {},
  ) {
    for (const [name, schema] of Object.entries(named)) {
      if (!isSchema(schema)) continue;
      const json = plain(schema) as JsonSchema;
      // Objects and enums only: a bare `string` or `integer` is no name worth having.
      if (json.type !== 'object' && !json.enum) continue;
      const shape = canonical(json);
      if (!this.byShape.has(shape)) this.byShape.set(shape, RENAMED[name] ?? name);
    }
  }

  /** The document's form of a TypeBox schema: a `$ref` where the protocol names it, inline otherwise. */
  write(schema: unknown): JsonSchema {
    return this.refer(plain(schema) as JsonSchema);
  }

  private refer(json: JsonSchema): JsonSchema {
    const name = this.byShape.get(canonical(json));
    if (name) {
      if (!this.components[name]) {
        this.components[name] = {}; // taken before its parts are written, in case they lead back to it
        const example = this.examples[name];
        this.components[name] = { ...this.parts(json), ...(example === undefined ? {} : { examples: [example] }) };
      }
      return { $ref: `#/components/schemas/${name}` };
    }
    return this.parts(json);
  }

  /** The schema with each of its sub-schemas written (named or inline); the schema itself is not looked up. */
  private parts(json: JsonSchema): JsonSchema {
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(json)) {
      if (SCHEMA_KEYS.has(key) && typeof value === 'object' && value !== null) out[key] = this.refer(value as JsonSchema);
      else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map((v) => this.refer(v as JsonSchema));
      else if (SCHEMA_MAPS.has(key) && typeof value === 'object' && value !== null)
        out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.refer(v as JsonSchema)]));
      else out[key] = value;
    }
    return out;
  }
}
