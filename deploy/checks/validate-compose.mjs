// Validates Compose files against the Compose Specification's JSON schema, offline, the way Compose v2 reads them:
// each file parsed (anchors, `<<` merge keys), its ${VARIABLE} references interpolated from the environment (a
// ${NAME:?message} that is unset is an error, as in Compose), later files merged over earlier ones (mappings
// merged, sequences appended, `!override` replacing and `!reset` removing a value), and the result checked against
// compose-spec's schema as the dclint package ships it.
//
//   CONSILIUM_SECRET=x INTERNAL_KEY=y node deploy/checks/validate-compose.mjs docker-compose.yml [docker-compose.tls.yml]
//   ... --print    writes the merged, interpolated model as JSON to standard output (messages go to standard error)
//
// Exits 1 on a parse, interpolation or schema error, 0 when the merged model is valid.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseDocument, visit, YAMLMap } from "yaml";
import Ajv from "ajv";

const require = createRequire(import.meta.url);
const MARK = "\u0000compose-merge";
/** Sequences that a later file replaces instead of extending (compose-spec's merge rules). */
const replacedSequences = new Set(["command", "entrypoint", "healthcheck.test", "dns", "dns_search", "tmpfs"]);

function main() {
  const args = process.argv.slice(2);
  const print = args.includes("--print");
  const files = args.filter((arg) => arg !== "--print");
  const say = print ? console.error : console.log;
  if (files.length === 0) {
    console.error("validate-compose: name the compose files, the base first (docker-compose.yml [override.yml ...]).");
    return 2;
  }

  let model;
  try {
    model = files.map((file) => interpolate(load(file), [], file)).reduce((base, next) => merge(base, next, []));
    model = unmark(model);
  } catch (error) {
    say(`validate-compose: ${error.message}`);
    return 1;
  }

  // dclint's exports name only package.json; the schema file sits beside it.
  const schemaFile = path.join(path.dirname(require.resolve("dclint/package.json")), "schemas", "compose.schema.json");
  const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
  delete schema.$schema; // draft-07, which Ajv knows; the URL form in the file is not one it registers
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (!validate(model)) {
    for (const error of validate.errors) {
      const detail = error.params?.additionalProperty ? ` '${error.params.additionalProperty}'` : "";
      say(`${files.join(" + ")}: ${error.instancePath || "/"}: ${error.message}${detail}`);
    }
    say(`validate-compose: ${validate.errors.length} schema error(s) in ${files.join(" + ")}.`);
    return 1;
  }
  if (print) console.log(JSON.stringify(model, null, 2));
  say(`validate-compose: ${files.join(" + ")} valid (${Object.keys(model.services ?? {}).length} services).`);
  return 0;
}

/** One file as plain data; `!override` and `!reset` values become marked objects for merge(). */
function load(file) {
  const document = parseDocument(readFileSync(file, "utf8"), { merge: true, uniqueKeys: true });
  const errors = document.errors.map((error) => `${file}: ${error.message}`);
  const unexpected = document.warnings.filter((warning) => !/Unresolved tag: !(override|reset)/.test(warning.message));
  if (errors.length > 0 || unexpected.length > 0) {
    throw new Error([...errors, ...unexpected.map((warning) => `${file}: ${warning.message}`)].join("\n"));
  }
  visit(document, {
    Node(_, node) {
      if (node.tag === "!override" || node.tag === "!reset") {
        const tag = node.tag;
        node.tag = undefined;
        const marked = new YAMLMap();
        marked.set(MARK, tag);
        marked.set("value", node);
        return marked;
      }
      return undefined;
    },
  });
  return document.toJS({ maxAliasCount: -1 }) ?? {};
}

function isMarked(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && MARK in value;
}

function isMapping(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !isMarked(value);
}

function merge(base, next, path) {
  if (isMarked(next)) {
    return next[MARK] === "!reset" ? undefined : unmark(next.value);
  }
  if (isMapping(base) && isMapping(next)) {
    const merged = { ...base };
    for (const [key, value] of Object.entries(next)) {
      const result = merge(base[key], value, [...path, key]);
      if (result === undefined) delete merged[key];
      else merged[key] = result;
    }
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(next) && !replacedSequences.has(path.slice(-2).join(".")) && !replacedSequences.has(path.at(-1))) {
    const seen = new Set(base.map((item) => JSON.stringify(item)));
    return [...base, ...next.filter((item) => !seen.has(JSON.stringify(item)))];
  }
  return unmark(next);
}

function unmark(value) {
  if (isMarked(value)) return value[MARK] === "!reset" ? undefined : unmark(value.value);
  if (Array.isArray(value)) return value.map(unmark);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unmark(item)]).filter(([, item]) => item !== undefined));
  }
  return value;
}

/** Compose's interpolation of every string value: $$, $NAME, ${NAME}, and the :-, -, :?, ?, :+ and + forms. */
function interpolate(value, path, file) {
  if (typeof value === "string") return substitute(value, path, file);
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, [...path, index], file));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, [...path, key], file)]));
  }
  return value;
}

function substitute(text, path, file) {
  const pattern = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;
  return text.replace(pattern, (match, dollar, braced, operator, word, bare) => {
    if (dollar) return "$";
    const name = braced ?? bare;
    const value = process.env[name];
    const set = value !== undefined;
    const nonEmpty = set && value !== "";
    const expand = () => substitute(word ?? "", path, file);
    switch (operator) {
      case ":-": return nonEmpty ? value : expand();
      case "-": return set ? value : expand();
      case ":?":
      case "?":
        if (operator === ":?" ? nonEmpty : set) return value;
        throw new Error(`${file}: ${path.join(".")}: required variable ${name} is missing a value: ${expand()}`);
      case ":+": return nonEmpty ? expand() : "";
      case "+": return set ? expand() : "";
      default: return value ?? "";
    }
  });
}

process.exit(main());
