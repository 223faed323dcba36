#!/usr/bin/env node
// Validates rendered Kubernetes manifests offline (no cluster): every document of a multi-document
// YAML stream (files, or stdin) against the official API schemas bundled in kubernetes-models
// (stack-notes §5). Custom resources kubernetes-models does not know are checked against a schema
// of our own in tools/helm/schemas/ (ServiceMonitor); any other unknown kind is a failure, so a
// new template cannot slip through unvalidated.
//
//   helm template x docker/helm/tapes-sidecar | node tools/helm/validate-manifests.mjs
//   node tools/helm/validate-manifests.mjs --json rendered.yaml   -> [{kind,name,ok,error?}]
// Exit status 0 when every document is valid, 1 otherwise.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const OWN_SCHEMAS = { 'monitoring.coreos.com/v1/ServiceMonitor': 'servicemonitor.schema.json' };

async function readInput(files) {
  if (files.length > 0) return (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n---\n');
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The kubernetes-models module of an apiVersion/kind: `apps/v1` → `kubernetes-models/apps/v1/Deployment`. */
async function loadModel(apiVersion, kind) {
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

/** A small JSON Schema subset (type, required, properties, additionalProperties, items, minItems, enum, pattern). */
function checkSchema(schema, value, at = 'data') {
  const errors = [];
  if (schema.enum && !schema.enum.some((v) => v === value)) errors.push(`${at} must be one of ${schema.enum.join(', ')}`);
  if (schema.type) {
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value;
    const fits = schema.type === actual || (schema.type === 'number' && actual === 'integer');
    if (!fits) return [...errors, `${at} must be ${schema.type}`];
  }
  if (typeof value === 'string' && schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${at} must match ${schema.pattern}`);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${at} must have at least ${schema.minItems} items`);
    if (schema.items) value.forEach((item, i) => errors.push(...checkSchema(schema.items, item, `${at}/${i}`)));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const key of schema.required ?? []) if (!(key in value)) errors.push(`${at} must have required property ${key}`);
    for (const [key, child] of Object.entries(value)) {
      const sub = schema.properties?.[key];
      if (sub) errors.push(...checkSchema(sub, child, `${at}/${key}`));
      else if (schema.additionalProperties === false) errors.push(`${at} must not have additional property ${key}`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...checkSchema(schema.additionalProperties, child, `${at}/${key}`));
    }
  }
  return errors;
}

export async function validateDocument(doc) {
  const kind = doc?.kind;
  const apiVersion = doc?.apiVersion;
  const name = doc?.metadata?.name;
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') return { kind: String(kind), name, ok: false, error: 'document has no apiVersion/kind' };
  const own = OWN_SCHEMAS[`${apiVersion}/${kind}`];
  if (own) {
    const schema = JSON.parse(await readFile(path.join(here, 'schemas', own), 'utf8'));
    const errors = checkSchema(schema, doc);
    return errors.length ? { kind, name, ok: false, error: errors.join('; '), schema: own } : { kind, name, ok: true, schema: own };
  }
  const Model = await loadModel(apiVersion, kind);
  if (!Model) return { kind, name, ok: false, error: `no schema for ${apiVersion} ${kind} (kubernetes-models has none and tools/helm/schemas/ neither)` };
  try {
    new Model(doc).validate();
    return { kind, name, ok: true, schema: `kubernetes-models/${apiVersion}/${kind}` };
  } catch (err) {
    return { kind, name, ok: false, error: err.message };
  }
}

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const files = args.filter((a) => a !== '--json');
  const text = await readInput(files);
  const results = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length) {
      results.push({ kind: '(yaml)', ok: false, error: document.errors.map((e) => e.message).join('; ') });
      continue;
    }
    const doc = document.toJS();
    if (doc === null || doc === undefined) continue; // empty document between separators
    results.push(await validateDocument(doc));
  }
  if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else for (const r of results) process.stdout.write(r.ok ? `ok   ${r.kind}/${r.name}\n` : `FAIL ${r.kind}/${r.name ?? '?'}: ${r.error}\n`);
  if (results.length === 0) {
    process.stderr.write('validate-manifests: no documents in the input\n');
    process.exit(1);
  }
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
