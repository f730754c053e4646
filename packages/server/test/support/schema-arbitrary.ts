/**
 * fast-check arbitraries generated from the protocol's zod schemas (through their JSON Schema, the
 * stable public view zod gives of a schema): `valid` produces messages the schema accepts (refinements
 * aside), `mutated` the same messages broken in the ways a fuzzer or an attacker breaks them.
 */
import fc from 'fast-check';
import { type ZodType, z } from 'zod';

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

/** Generated strings stay short (a 100 000-character SDP costs time, not coverage); `long` adds long ones. */
const MAX_GENERATED_LENGTH = 200;

/**
 * Any code point, lone surrogates included (fast-check's own 'binary' unit builds its tables for
 * seconds on first use, long enough to stall everything else in the process).
 */
const anyCodePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .map((codePoint) => String.fromCodePoint(codePoint));

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(
    minLength,
    Math.min(schema.maxLength ?? MAX_GENERATED_LENGTH, MAX_GENERATED_LENGTH),
  );
  return fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ minLength, maxLength, unit: anyCodePoint }),
  );
}

function integerArbitrary(schema: JsonSchema): fc.Arbitrary<number> {
  const min = Math.max(schema.minimum ?? Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);
  const max = Math.min(schema.maximum ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  // Small values and the bounds are where the interesting cases are.
  const small = fc.integer({ min: Math.max(min, Math.min(max, -5)), max: Math.min(max, Math.max(min, 100)) });
  return fc.oneof(small, fc.constantFrom(min, max), fc.integer({ min, max }));
}

/** An arbitrary of values valid against `schema`. */
export function fromJsonSchema(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices) return fc.oneof(...choices.map(fromJsonSchema));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(properties)) model[key] = fromJsonSchema(value);
      return fc.record(model, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
    }
    case 'array':
      return fc.array(schema.items ? fromJsonSchema(schema.items) : fc.jsonValue(), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 10, 10),
      });
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return integerArbitrary(schema);
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue();
  }
}

/** The JSON Schema of a zod schema, as its input side (what a client sends). */
export function jsonSchemaOf(schema: ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Valid messages of a zod schema. */
export function valid(schema: ZodType): fc.Arbitrary<Record<string, unknown>> {
  return fromJsonSchema(jsonSchemaOf(schema)) as fc.Arbitrary<Record<string, unknown>>;
}

/** Values of the wrong kind, for fields and whole messages. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, -1, 1e308, -0, '', '__proto__', { __proto__: { admin: true } }, [], {}),
  fc.string({ minLength: 1000, maxLength: 5000 }),
  fc
    .integer({ min: 1, max: 200 })
    .map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
);

/**
 * A valid message broken in one way: a field dropped, a field of the wrong kind, an extra field, the
 * type of another message, or a valid message of an unknown type.
 */
export function mutated(schema: ZodType): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      valid(schema),
      fc.nat(),
      hostileValue,
      fc.constantFrom('drop', 'replace', 'extra', 'retype', 'unknown-type'),
    )
    .map(([message, pick, value, how]) => {
      const copy: Record<string, unknown> = { ...message };
      const keys = Object.keys(copy).filter((key) => key !== 'id');
      const key = keys.length > 0 ? keys[pick % keys.length]! : 'type';
      if (how === 'drop') delete copy[key];
      else if (how === 'replace') copy[key] = value;
      else if (how === 'extra') copy[`x${pick % 7}`] = value;
      else if (how === 'retype') copy.type = value;
      else copy.type = `no-such-request-${pick % 5}`;
      return copy;
    });
}
