import fc from 'fast-check';
import { OptionalKind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { codeUnits, nastyText, textOfLength } from './text';

/** The parts of a JSON schema (as TypeBox and Elysia store it) that the generators read. */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  maxItems?: number;
}

/** Per-property overrides: values that reach the business logic (a real email, a session of the world). */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

/**
 * Does the server accept the value? The same check it runs (TypeBox, with Elysia's formats), after removing unknown
 * fields as Elysia does: it strips them rather than refusing them (TypeBox's own Clean would keep a `constructor`).
 */
export const accepts = (schema: Schema, value: unknown) => Value.Check(schema as TSchema, knownFields(schema, value));

function knownFields(schema: Schema, value: unknown): unknown {
  if (schema.type !== 'object' || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const props = schema.properties ?? {};
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => Object.hasOwn(props, k))
      .map(([k, v]) => [k, knownFields(props[k]!, v)]),
  );
}

/** A schema whose value may be left out entirely (e.g. an optional body). */
export const isOptional = (schema: Schema) => (schema as Record<symbol, unknown>)[OptionalKind] === 'Optional';

/** Fits hostile text into the schema's length bounds, so it passes validation and meets the code behind it. */
function fitted(min = 0, max = Infinity): fc.Arbitrary<string> {
  const boundary = [min, max, max - 1].filter((n) => n >= Math.max(min, 1) && n <= Math.min(max, 70_000));
  return fc
    .oneof({ weight: 8, arbitrary: nastyText }, { weight: 1, arbitrary: fc.constantFrom(...(boundary.length ? boundary : [min])).chain(textOfLength) })
    .map((s) => (s.length < min ? s.padEnd(min, 'x') : s.slice(0, max)));
}

/** A value the schema accepts, with hostile content wherever the schema leaves room for it. */
export function shaped(schema: Schema, hints: Hints = {}): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => shaped({ minimum: schema.minimum, maximum: schema.maximum, ...s })));
  if ('const' in schema) return fc.constant(schema.const);
  switch (schema.type) {
    case 'object': {
      const props = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      const record = Object.fromEntries(props.map(([k, s]) => [k, hints[k] ?? shaped(s)]));
      const optional = props.filter(([k]) => !required.has(k)).map(([k]) => k);
      return fc.record(record, { requiredKeys: [...required] }).chain((value) =>
        // Extra keys are allowed by the schema; a few of them are the classic prototype-pollution ones.
        fc
          .option(
            fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'clinicId', 'role', 'extra', 'id'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
            { freq: 5 },
          )
          .map((extra) => {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(extra ?? {}))
              if (!(k in value) && !optional.includes(k)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
            return Object.assign(out, value);
          }),
      );
    }
    case 'string':
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'email') return fc.oneof(fc.emailAddress(), fc.constantFrom("o'brien@x.test", 'a+b@x.test', 'ADMIN@DEMO.CLINIC', '"q"@x.test'));
      if (schema.format === 'integer') return fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 }).map(String);
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      return fitted(schema.minLength, schema.maxLength);
    case 'integer':
      return fc.oneof(
        fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 }),
        fc.constantFrom(schema.minimum ?? 0, schema.maximum ?? 2 ** 31),
      );
    case 'number':
      return fc.double({ min: schema.minimum, max: schema.maximum, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(shaped(schema.items ?? {}), { maxLength: Math.min(schema.maxItems ?? 5, 5) });
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** `[[[…]]]`, `depth` arrays deep. */
export function nestedArrays(depth: number): unknown {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

/** Values of every JSON type, and some that are big or deep: what a field of the wrong type receives. */
export const wrongTypeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 31) - 1, 1e308, true, false, null, '', '0', '12abc', [], {}, [1, 2], { a: 1 }),
  fc.jsonValue({ maxDepth: 3 }),
  nastyText,
  codeUnits(40),
  fc.integer({ min: 1, max: 10_000 }).map(nestedArrays),
);

/**
 * A value the schema most likely refuses: not an object, a required field missing, a field of the wrong type, a
 * string past its maximum. Whether the schema really refuses it is decided by `accepts`, not assumed.
 */
export function malformed(schema: Schema, hints: Hints = {}): fc.Arbitrary<unknown> {
  const props = Object.entries(schema.properties ?? {});
  const notObject = fc.oneof(fc.constantFrom(null, [], 'text', 42, true), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }));
  if (schema.type !== 'object' || props.length === 0) return fc.oneof(notObject, wrongTypeValue);
  const base = shaped(schema, hints) as fc.Arbitrary<Record<string, unknown>>;
  const field = fc.constantFrom(...props.map(([k]) => k));
  const missing = fc.tuple(base, fc.constantFrom(...(schema.required?.length ? schema.required : props.map(([k]) => k)))).map(([v, k]) => {
    const { [k]: _gone, ...rest } = v;
    return rest;
  });
  const wrongType = fc.tuple(base, field, wrongTypeValue).map(([v, k, bad]) => ({ ...v, [k]: bad }));
  const stringFields = props.filter(([, s]) => s.type === 'string' && s.maxLength !== undefined);
  const tooLong = stringFields.length
    ? fc.tuple(base, fc.constantFrom(...stringFields)).chain(([v, [k, s]]) =>
        fc
          .constantFrom(s.maxLength! + 1, s.maxLength! + 1000)
          .chain(textOfLength)
          .map((long) => ({ ...v, [k]: long })),
      )
    : wrongType;
  return fc.oneof(notObject, missing, wrongType, tooLong);
}
