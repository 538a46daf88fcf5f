// Validates Kubernetes manifests against the Kubernetes OpenAPI schemas, offline: kubernetes-models (the API's
// schemas compiled to validators, one module per apiVersion/kind) plus its cert-manager and prometheus-operator
// siblings for those custom resources. A kind without a schema is an error, never skipped.
//
//   kubectl kustomize deploy/k8s/overlays/production | node deploy/checks/validate-k8s.mjs -
//   node deploy/checks/validate-k8s.mjs rendered.yaml [more.yaml ...]
//
// Besides types, required fields and formats, it reports unknown fields (a misspelt `replica:` or a patch that
// landed on the wrong path), as `kubectl apply --validate=strict` would: the API's schemas leave objects open, so
// the compiled validators never read a field they do not know, and a field nobody read is unknown. Objects the
// schema treats as maps (labels, data, resources) are enumerated by the validator and so count as known.
// Prints one line per problem; exits 1 when there is any.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

/** Where the schema of an API group lives; the core group ("v1") and every built-in one are in kubernetes-models. */
const customGroups = new Map([
  ["cert-manager.io", "@kubernetes-models/cert-manager"],
  ["acme.cert-manager.io", "@kubernetes-models/cert-manager"],
  ["monitoring.coreos.com", "@kubernetes-models/prometheus-operator"],
]);

async function validate(object) {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return ["apiVersion and kind must both be set"];
  }
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  const module = `${customGroups.get(group) ?? "kubernetes-models"}/${apiVersion}/${kind}`;
  let model;
  try {
    model = (await import(module))[kind];
  } catch {
    model = undefined;
  }
  if (model?.prototype?.validate === undefined || model.apiVersion !== apiVersion || model.kind !== kind) {
    return [`no schema for apiVersion ${apiVersion}, kind ${kind} (not in kubernetes-models or a package named in validate-k8s.mjs)`];
  }

  const reads = new Tracker();
  const problems = [];
  try {
    // The model's own validate(), run on a proxy of the object rather than on a copy, so reads can be counted.
    model.prototype.validate.call(reads.wrap(object, ""));
  } catch (error) {
    const details = Array.isArray(error?.errors) && error.errors.length > 0
      ? error.errors.map((detail) => `${detail.instancePath || "/"}: ${detail.message ?? detail.keyword}${detail.params?.allowedValues ? ` (${detail.params.allowedValues.join(", ")})` : ""}`)
      : [String(error?.message ?? error)];
    problems.push(...details);
  }
  problems.push(...reads.unknownFields());
  return problems;
}

/** Records which fields of each object a validator read, and which objects it enumerated as maps. */
class Tracker {
  #seen = new Map();
  #proxies = new WeakMap();

  wrap(value, path) {
    if (value === null || typeof value !== "object") return value;
    const existing = this.#proxies.get(value);
    if (existing) return existing;
    const record = { path, read: new Set(), enumerated: false };
    this.#seen.set(value, record);
    const tracker = this;
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const field = Reflect.get(target, key, receiver);
        if (typeof key !== "string") return field;
        record.read.add(key);
        return tracker.wrap(field, `${path}/${key}`);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    this.#proxies.set(value, proxy);
    return proxy;
  }

  unknownFields() {
    const unknown = [];
    for (const [value, record] of this.#seen) {
      if (Array.isArray(value) || record.enumerated) continue;
      for (const key of Object.keys(value)) {
        if (!record.read.has(key)) unknown.push(`${record.path}/${key}: unknown field`);
      }
    }
    return unknown;
  }
}

const inputs = process.argv.slice(2);
if (inputs.length === 0) {
  console.error("validate-k8s: name the YAML files to check, or - for standard input.");
  process.exit(2);
}

const problems = [];
let checked = 0;
for (const input of inputs) {
  const text = readFileSync(input === "-" ? 0 : input, "utf8");
  for (const [index, document] of parseAllDocuments(text).entries()) {
    const where = `${input === "-" ? "stdin" : input}, document ${index + 1}`;
    if (document.errors.length > 0) {
      problems.push(...document.errors.map((error) => `${where}: YAML: ${error.message}`));
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) continue;
    checked++;
    const name = `${object.kind ?? "?"} ${object.metadata?.name ?? "?"}`;
    for (const problem of await validate(object)) {
      problems.push(`${where} (${name}): ${problem}`);
    }
  }
}

for (const problem of problems) console.log(problem);
console.log(problems.length === 0
  ? `validate-k8s: ${checked} object(s) valid.`
  : `validate-k8s: ${problems.length} problem(s) in ${checked} object(s).`);
process.exit(problems.length === 0 ? 0 : 1);
