// Checks deployment files with maintained packages, offline (the Maven test suite runs it):
//   node validate.mjs kubernetes <rendered.yaml>...   every document against the Kubernetes API schemas
//                                                     (kubernetes-models) or the Prometheus Operator's
//   node validate.mjs dockerfile <Dockerfile>         dockerfile-utils' linter (instructions, flags, ports)
// Prints one line per problem and exits 1 if there is any.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { createRequire } from "node:module";

// dockerfile-utils is a CommonJS package.
const dockerfileUtils = createRequire(import.meta.url)("dockerfile-utils");

const MODELS = {
  "v1": "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "batch/v1": "kubernetes-models/batch/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

async function validateKubernetes(files) {
  const problems = [];
  let checked = 0;
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
      if (document.errors.length > 0) {
        problems.push(`${file}: YAML: ${document.errors.map((e) => e.message).join("; ")}`);
        continue;
      }
      const object = document.toJS();
      if (object === null || object === undefined) {
        continue;
      }
      const where = `${file}: ${object.kind}/${object.metadata?.name}`;
      const module = MODELS[object.apiVersion];
      if (!module) {
        problems.push(`${where}: no schema for apiVersion ${object.apiVersion}`);
        continue;
      }
      const Model = (await import(module))[object.kind];
      if (typeof Model !== "function") {
        problems.push(`${where}: ${object.apiVersion} has no kind ${object.kind}`);
        continue;
      }
      try {
        new Model(object).validate();
        checked++;
      } catch (error) {
        problems.push(`${where}: ${error.message}`);
      }
    }
  }
  return { problems, checked };
}

function validateDockerfile(file) {
  const problems = dockerfileUtils.validate(readFileSync(file, "utf8")).map(
    (d) => `${file}:${d.range.start.line + 1}: ${d.message}`);
  return { problems, checked: 1 };
}

const [command, ...files] = process.argv.slice(2);
let result;
if (command === "kubernetes" && files.length > 0) {
  result = await validateKubernetes(files);
} else if (command === "dockerfile" && files.length === 1) {
  result = validateDockerfile(files[0]);
} else {
  console.error("usage: node validate.mjs kubernetes <file.yaml>... | dockerfile <Dockerfile>");
  process.exit(2);
}
for (const problem of result.problems) {
  console.log(problem);
}
console.log(`${result.checked} checked and valid, ${result.problems.length} problem(s)`);
process.exit(result.problems.length === 0 && result.checked > 0 ? 0 : 1);
