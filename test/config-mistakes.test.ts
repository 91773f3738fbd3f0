/**
 * Config mistakes a new user makes, by class (issue 13): every bad input exits 2 naming the exact
 * key with a hint that works when pasted, through the plan CLI and through `stacks/load.ts` (what
 * `pulumi up` runs), with the same message; every valid edge case passes. No stack trace, no
 * internal error text and no `got "undefined"` anywhere.
 *
 * Needs `npm run build` (the CLI runs from dist/, as `npm run plan` does). The CLI runs in a
 * temporary copy of the project (its stack files and dist/), so the cases' own stack files never
 * land in the repository, even when a run fails.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { pathValue, readStackConfig } from "../plan/stack-file";
import { resolveObservability } from "../components";
import { observabilitySettings } from "../stacks/compose";
import { collectConfig, setCommand, validateCollected } from "../stacks/config";
import { loadConfig } from "../stacks/load";
import { execFile } from "node:child_process";
import type { PlanRun } from "./support/stack-variants";

const ROOT = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "config-mistakes-"));
/** The project as the CLI sees it: its stack files, dist/ (built) and node_modules, in `tmp`. */
const PROJECT = path.join(tmp, "project");
fs.mkdirSync(PROJECT);
for (const file of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f))) fs.copyFileSync(path.join(ROOT, file), path.join(PROJECT, file));
if (fs.existsSync(path.join(ROOT, "dist"))) fs.cpSync(path.join(ROOT, "dist"), path.join(PROJECT, "dist"), { recursive: true, filter: (f) => !/\.tsbuildinfo$|[\\/]dist[\\/](test|bench)$/.test(f) });
fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(PROJECT, "node_modules"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes a stack file into the project copy; returns the `--stack` arguments of it. */
const stackYaml = (stack: string, yaml: string) => {
  fs.writeFileSync(path.join(PROJECT, `Pulumi.${stack}.yaml`), yaml);
  return ["--stack", stack];
};
const DEV_BASE = `  platform:target: docker
  platform:environment: dev
  platform:docker:
    host: unix:///var/run/docker.sock
    publishAddress: 127.0.0.1
`;
const SECURE = "secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const svc = (o: Record<string, unknown> = {}) => ({ name: "api", image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898, ...o });
const services = (...list: Record<string, unknown>[]) => `platform:services=${JSON.stringify(list)}`;
const set = (key: string, value: unknown) => `platform:${key}=${typeof value === "string" ? value : JSON.stringify(value)}`;
const canary = { image: "ghcr.io/stefanprodan/podinfo:6.9.3", weights: { stable: 90, canary: 10 } };
const onpremGateway = (hostname: string) => set("gateway", { routes: [{ service: "podinfo", hostname }] });

/** One bad input: the CLI arguments, the key the error must name, and what the message must say. */
interface Bad {
  readonly name: string;
  readonly args: readonly string[];
  readonly key: string;
  readonly message: RegExp;
  /** Checked through the CLI only: a flag or file the runtime never sees. */
  readonly cliOnly?: boolean;
  /** What `pulumi up` says instead, where it knows less (only which top-level keys are secrets). */
  readonly runtime?: { readonly key: string; readonly message: RegExp };
}

const dev = (...config: string[]) => ["--stack", "dev", ...config.flatMap((c) => ["--config", c])];
const onprem = (...config: string[]) => ["--stack", "onprem", ...config.flatMap((c) => ["--config", c])];
const prod = (...config: string[]) => ["--stack", "prod", ...config.flatMap((c) => ["--config", c])];

const stateFile = (name: string, content: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
};

const BAD: Record<string, Bad[]> = {
  "1. a wrong type is named as such, with a pasteable hint": [
    { name: "a word for a boolean", args: dev("platform:protect=yes"), key: "platform:protect", message: /^must be true or false \(got the string "yes"\); set it with `pulumi config set platform:protect true`$/ },
    { name: "a string for a number", args: dev(services(svc({ replicas: "3" }))), key: "platform:services[0].replicas", message: /^must be a number \(got the string "3"\); set it with `pulumi config set --path 'platform:services\[0\]\.replicas' 3`$/ },
    { name: "a number for a string (env)", args: dev(services(svc({ env: { PORT: 9898 } }))), key: "platform:services[0].env.PORT", message: /^must be a string \(got the number 9898\); set it with `pulumi config set --path --type string 'platform:services\[0\]\.env\.PORT' 9898` \(in Pulumi\.<stack>\.yaml, quote the value\)$/ },
    { name: "an unquoted 1.30 read as 1.3", args: prod(set("eks", { region: "eu-west-1", kubernetesVersion: 1.3, endpointPublicAccessCidrs: [] })), key: "platform:eks.kubernetesVersion", message: /^must be a string \(got the number 1\.3\); set it with `pulumi config set --path 'platform:eks\.kubernetesVersion' 1\.34` .*YAML reads an unquoted 1\.30 as the number 1\.3/ },
    { name: "a string where a list is expected", args: dev(set("services", "podinfo")), key: "platform:services", message: /^must be a list \(got the string "podinfo"\); remove it with `pulumi config rm platform:services`/ },
    { name: "an object where a list is expected", args: dev(set("services", { name: "api" })), key: "platform:services", message: /^must be a list \(got an object\)/ },
    { name: "a string where a list of strings is expected", args: prod(set("eks", { region: "eu-west-1", endpointPublicAccessCidrs: [], nodeGroups: [{ name: "general", instanceTypes: "m6i.xlarge" }] })), key: "platform:eks.nodeGroups[0].instanceTypes", message: /set it with `pulumi config set --path 'platform:eks\.nodeGroups\[0\]\.instanceTypes\[0\]' m6i\.xlarge`/ },
    { name: "null for a block", args: dev("platform:postgres=null"), key: "platform:postgres", message: /^must be an object \(a YAML mapping\) \(got null: an empty value in YAML\); remove it with `pulumi config rm platform:postgres`/ },
    { name: "a string for a boolean in a block", args: dev(set("gateway", { enabled: "no" })), key: "platform:gateway.enabled", message: /^must be true or false \(got the string "no"\); set it with `pulumi config set --path 'platform:gateway\.enabled' false`$/ },
    { name: "a missing key in a list entry", args: dev(set("gateway", { routes: [{ service: "podinfo" }] })), key: "platform:gateway.routes[0].hostname", message: /^is required; set it with `pulumi config set --path 'platform:gateway\.routes\[0\]\.hostname' api\.example\.com`$/ },
    { name: "a wrong case of an enum", args: dev("platform:target=Docker"), key: "platform:target", message: /did you mean "docker"\?/ },
    { name: "invalid JSON in --config", args: dev("platform:services=[{bad"), key: "platform:services", message: /^is not valid JSON \(.*\); put the whole value in single quotes/ },
    { name: "an unknown autoscaling trigger type", args: dev(services(svc({ worker: true, autoscaling: { triggers: [{ type: "kafka", queueName: "orders" }] } }))), key: "platform:services[0].autoscaling.triggers[0].type", message: /^must be one of "rabbitmq", "nats-jetstream", "prometheus" \(got "kafka"\); set it with `pulumi config set --path 'platform:services\[0\]\.autoscaling\.triggers\[0\]\.type' rabbitmq`$/ },
    { name: "a fraction for a whole number", args: dev(set("redis", { docker: { hostPort: 6379.5 } })), key: "platform:redis.docker.hostPort", message: /^must be a whole number \(got the number 6379\.5\)/ },
  ],
  "2. secrets nested in blocks": [
    { name: "a receiver URL in plain text", args: dev(set("observability", { receivers: [{ name: "ops", kind: "slack", url: "https://hooks.slack.com/x" }] })), key: "platform:observability.receivers[0].url", message: /set it with `pulumi config set --secret --path 'platform:observability\.receivers\[0\]\.url'` \(without a value it prompts for one, or reads it from standard input\)$/ },
    { name: "an SMTP password in plain text", args: dev(set("observability", { receivers: [{ name: "ops", kind: "email", to: "a@example.com", smtpPassword: "hunter2" }] })), key: "platform:observability.receivers[0].smtpPassword", message: /--secret --path 'platform:observability\.receivers\[0\]\.smtpPassword'/ },
    { name: "a kubeconfig in plain text", args: onprem("platform:kubeconfig=apiVersion: v1"), key: "platform:kubeconfig", message: /^must be a secret; set it again with `pulumi config set --secret platform:kubeconfig` \(without a value it prompts for one, or reads it from standard input\)$/ },
    {
      name: "a secret env value (the program would put it in the container in plain text)",
      args: stackYaml("t13-secret-env", `config:\n${DEV_BASE}  platform:services:\n    - name: api\n      image: ghcr.io/stefanprodan/podinfo:6.9.2\n      port: 9898\n      env:\n        API_TOKEN:\n          ${SECURE}\n`),
      key: "platform:services[0].env.API_TOKEN",
      message: /^is a secret, but the program keeps only platform:kubeconfig, .*observability\.receivers\[\]\.smtpPassword and platform:observability\.heartbeat\.url secret; .*remove it with `pulumi config rm --path 'platform:services\[0\]\.env\.API_TOKEN'`$/,
      runtime: { key: "platform:services", message: /^holds a secret, but the program keeps only .*in plain text: remove the secure: values under it/ },
    },
    {
      name: "a whole services block set with --secret",
      args: stackYaml("t13-secret-services", `config:\n${DEV_BASE}  platform:services:\n    ${SECURE}\n`),
      key: "platform:services",
      message: /^is a secret, but the program keeps only .*remove it with `pulumi config rm platform:services`$/,
      runtime: { key: "platform:services", message: /^holds a secret, but the program keeps only/ },
    },
    {
      name: "a secret at a plain key of the observability block (offline only: the runtime sees the block)",
      args: stackYaml("t13-secret-storage", `config:\n${DEV_BASE}  platform:observability:\n    retentionDays:\n      ${SECURE}\n`),
      key: "platform:observability.retentionDays",
      message: /: is a secret, but the program keeps only .*`pulumi config rm --path 'platform:observability\.retentionDays'`$/,
      cliOnly: true,
    },
    { name: "a missing kind in a secret observability block: an example, no --secret", args: stackYaml("t13-secret-kind", `config:\n${DEV_BASE}  platform:observability:\n    receivers:\n      - name: ops\n        url:\n          ${SECURE}\n`), key: "platform:observability.receivers[0].kind", message: /^is required; set it with `pulumi config set --path 'platform:observability\.receivers\[0\]\.kind' pagerduty`$/ },
    { name: "a number for a string in a secret block: the value is not echoed", args: stackYaml("t13-secret-list", `config:\n${DEV_BASE}  platform:observability:\n    receivers:\n      - name: ops\n        kind: email\n        to: 4242424242\n        smtpPassword:\n          ${SECURE}\n`), key: "platform:observability.receivers[0].to", message: /^must be a string \(got a number \(not shown: the key is a secret\)\); set it with `pulumi config set --path 'platform:observability\.receivers\[0\]\.to'` \(without a value it prompts/ },
  ],
  "3. what Kubernetes, Docker or the cloud would refuse at update time": [
    { name: "a service using an undeclared queue", args: dev(set("messageQueue", { queues: [{ name: "orders" }] }), services(svc({ worker: true, uses: { queues: ["ordres"] } }))), key: "platform:services[0].uses.queues[0]", message: /^"ordres" is not a queue of `messageQueue\.queues` \("orders"\); declare it there or fix the name$/ },
    { name: "a queue trigger on an undeclared queue", args: dev(set("messageQueue", { queues: [{ name: "orders" }] }), services(svc({ worker: true, uses: { queues: ["orders"] }, autoscaling: { triggers: [{ type: "rabbitmq", queueName: "ordres" }] } }))), key: "platform:services[0].autoscaling.triggers[0].queueName", message: /^"ordres" is not a queue of `messageQueue\.queues` \("orders"\) nor of this service's `uses\.queues` \("orders"\); fix the name: `pulumi config set --path 'platform:services\[0\]\.autoscaling\.triggers\[0\]\.queueName' orders`$/ },
    { name: "a queue trigger on a declared queue the service does not use", args: dev(set("messageQueue", { queues: [{ name: "orders" }, { name: "invoices" }] }), services(svc({ worker: true, uses: { queues: ["orders"] }, autoscaling: { triggers: [{ type: "rabbitmq", queueName: "invoices" }] } }))), key: "platform:services[0].autoscaling.triggers[0].queueName", message: /^"invoices" is not a queue of this service's `uses\.queues` \("orders"\): the service scales on a queue it consumes; add it with `pulumi config set --path 'platform:services\[0\]\.uses\.queues\[1\]' invoices` or fix the name$/ },
    { name: "scale to zero for a service that is not a worker", args: dev(set("messageQueue", { queues: [{ name: "orders" }] }), services(svc({ uses: { queues: ["orders"] }, autoscaling: { minReplicas: 0, triggers: [{ type: "rabbitmq", queueName: "orders" }] } }))), key: "platform:services[0].autoscaling.minReplicas", message: /^is 0, which only a worker \(`worker: true`\) may use/ },
    { name: "a service using a disabled store", args: dev(set("redis", { enabled: false }), services(svc({ uses: { redis: true } }))), key: "platform:services[0].uses.redis", message: /^`redis\.enabled` is false, so there is no redis to use; remove it: `pulumi config rm --path 'platform:services\[0\]\.uses\.redis'`$/ },
    { name: "a migration Job on a service without a database", args: dev(services(svc({ migration: { command: ["./migrate"] } }))), key: "platform:services[0].migration", message: /^migrates the service's database, but the service declares none \(`uses\.postgres` is not true\), so its Job would get no DATABASE_URL; declare it: `pulumi config set --path 'platform:services\[0\]\.uses\.postgres' true`, or remove `migration`$/ },
    { name: "a migration without a command or args", args: dev(services(svc({ uses: { postgres: true }, migration: { backoffLimit: 1 } }))), key: "platform:services[0].migration", message: /^needs `command` or `args`: without them it runs the image's default process, a server that never exits$/ },
    { name: "CronJobs on Docker, which has no scheduler", args: dev(services(svc({ cronJobs: [{ name: "nightly", schedule: "30 3 * * *", args: ["report"] }] }))), key: "platform:services[0].cronJobs", message: /^are available on Kubernetes only: Docker has no scheduler to run them; remove `cronJobs` from the Docker stack/ },
    { name: "a six-field CronJob schedule", args: onprem(services(svc({ cronJobs: [{ name: "nightly", schedule: "0 30 3 * * *", args: ["report"] }] }))), key: "platform:services[0].cronJobs[0].schedule", message: /^must be five cron fields \(minute hour day-of-month month day-of-week\) or a macro .* \(got 6 fields: "0 30 3 \* \* \*"\)$/ },
    { name: "a service reading a store it did not declare", args: dev(services(svc({ env: { DATABASE_URL: "postgresql://app@postgres/app" } }))), key: "platform:services[0].env.DATABASE_URL", message: /^is the connection setting of postgres, which the service does not declare in `uses`: declare it \(`pulumi config set --path 'platform:services\[0\]\.uses\.postgres' true`\) and the platform hands it its own Secret, or remove the variable: `pulumi config rm --path 'platform:services\[0\]\.env\.DATABASE_URL'`$/ },
    { name: "a service reading the broker without a queue", args: dev(services(svc({ env: { AMQP_URL: "amqp://queue:5672" } }))), key: "platform:services[0].env.AMQP_URL", message: /^is the connection setting of the broker, which the service does not declare in `uses`: declare it \(`pulumi config set --path 'platform:services\[0\]\.uses\.queues\[0\]' '<queue>'`\)/ },
    { name: "a service whose database role is the owner role", args: dev(services(svc({ name: "app", uses: { postgres: true } }))), key: "platform:services[0].name", message: /^"app" would get the database role "app", which is the application's owner role \(`postgres\.username`\); choose another name$/ },
    { name: "a service whose database role is CloudNativePG's", args: onprem(services(svc({ name: "streaming-replica", uses: { postgres: true } }))), key: "platform:services[0].name", message: /^"streaming-replica" would get the database role "streaming_replica", which is PostgreSQL's or CloudNativePG's own; choose another name$/ },
    { name: "a service whose database role has PostgreSQL's reserved prefix", args: onprem(services(svc({ name: "pg-sync", uses: { postgres: true } }))), key: "platform:services[0].name", message: /^"pg-sync" would get the database role "pg_sync", and PostgreSQL keeps names starting with "pg_" for its own roles; choose a name not starting with "pg-"$/ },
    { name: "a service whose broker user is the platform's", args: dev(services(svc({ name: "guest", uses: { queues: ["orders"] } }))), key: "platform:services[0].name", message: /^"guest" would get the broker user "guest", which the platform keeps \(platform, guest\); choose another name$/ },
    { name: "a service whose broker credentials would be the broker's own", args: onprem(services(svc({ name: "user", uses: { queues: ["orders"] } }))), key: "platform:services[0].name", message: /^"user" would get the broker credentials Secret "queue-user-credentials", which is the broker's own user's; choose another name \(such as "users"\)$/ },
    { name: "a cloud identity on k3s", args: onprem(services(svc({ cloudIdentity: { gcp: { roles: ["roles/storage.objectViewer"] } } }))), key: "platform:services[0].cloudIdentity", message: /^needs a cloud's workload identity \(IRSA on eks, Workload Identity on gke\); target k3s has none: remove it with `pulumi config rm --path 'platform:services\[0\]\.cloudIdentity'`$/ },
    { name: "a cloud identity on Docker", args: dev(services(svc({ cloudIdentity: { aws: { policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] } } } }))), key: "platform:services[0].cloudIdentity", message: /^needs a cloud's workload identity .*target docker has none/ },
    { name: "a cloud identity on EKS without a policy", args: prod(services(svc({ cloudIdentity: { gcp: { roles: ["roles/storage.objectViewer"] } } }))), key: "platform:services[0].cloudIdentity.aws.policy", message: /^is required on eks: the IAM policy document of the service's role/ },
    { name: "a cloud identity on GKE without roles", args: prod("platform:target=gke", services(svc({ cloudIdentity: { aws: { policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] } } } }))), key: "platform:services[0].cloudIdentity.gcp.roles", message: /^is required on gke: the IAM roles of the service's Google service account, such as `pulumi config set --path 'platform:services\[0\]\.cloudIdentity\.gcp\.roles\[0\]' roles\/storage\.objectViewer`$/ },
    { name: "an IAM policy statement without a resource", args: prod(services(svc({ cloudIdentity: { aws: { policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] } } } }))), key: "platform:services[0].cloudIdentity.aws.policy.Statement[0]", message: /needs exactly one of `Resource` and `NotResource`/ },
    { name: "an IAM policy of an old version", args: prod(services(svc({ cloudIdentity: { aws: { policy: { Version: "2008-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] } } } }))), key: "platform:services[0].cloudIdentity.aws.policy.Version", message: /must be "2012-10-17"/ },
    { name: "a GCP role listed twice", args: prod("platform:target=gke", services(svc({ cloudIdentity: { gcp: { roles: ["roles/storage.objectViewer", "roles/storage.objectViewer"] } } }))), key: "platform:services[0].cloudIdentity.gcp.roles[1]", message: /^"roles\/storage\.objectViewer" is listed twice: remove it with `pulumi config rm --path 'platform:services\[0\]\.cloudIdentity\.gcp\.roles\[1\]'`$/ },
    { name: "a GCP role that is no role", args: prod("platform:target=gke", services(svc({ cloudIdentity: { gcp: { roles: ["storage.objectViewer"] } } }))), key: "platform:services[0].cloudIdentity.gcp.roles[0]", message: /must be an IAM role such as roles\/storage\.objectViewer/ },
    { name: "replicas beyond int32", args: dev(services(svc({ replicas: 3e9 }))), key: "platform:services[0].replicas", message: /^must be at most 2147483647 \(Kubernetes counts are 32-bit integers\)/ },
    { name: "maxReplicas beyond int32", args: dev(services(svc({ autoscaling: { maxReplicas: 2 ** 31 } }))), key: "platform:services[0].autoscaling.maxReplicas", message: /^must be at most 2147483647/ },
    { name: "mesh replicas beyond int32", args: onprem(set("mesh", { linkerd: { replicas: 2 ** 32 } })), key: "platform:mesh.linkerd.replicas", message: /^must be at most 2147483647/ },
    { name: "a 63-character name with a canary", args: onprem(services(svc({ name: `a${"b".repeat(62)}`, canary }))), key: "platform:services[0].name", message: /is 63 characters; with a canary .*-canary.* shorten the name to at most 56 characters/ },
    { name: "an upper-case repository", args: dev(services(svc({ image: "ghcr.io/Acme/api:1.0" }))), key: "platform:services[0].image", message: /^is not a valid image reference \(invalid reference format: repository name must be lowercase\)/ },
    { name: "an image without a repository", args: dev(services(svc({ image: ":1.0" }))), key: "platform:services[0].image", message: /^is not a valid image reference/ },
    { name: "an image with a space", args: dev(services(svc({ image: "ghcr.io/acme/api :1.0" }))), key: "platform:services[0].image", message: /^is not a valid image reference/ },
    { name: "an image tag with !", args: dev(services(svc({ image: "ghcr.io/acme/api:1.0!" }))), key: "platform:services[0].image", message: /^is not a valid image reference/ },
    { name: "a malformed canary image", args: onprem(services(svc({ canary: { ...canary, image: "Api:2" } }))), key: "platform:services[0].canary.image", message: /^is not a valid image reference/ },
    { name: "a canary analysis without a mesh", args: dev(services(svc({ canary: { analysis: {} } }))), key: "platform:services[0].canary.analysis", message: /^needs the service mesh, whose metrics Flagger reads/ },
    { name: "a canary analysis without Prometheus", args: onprem(set("observability", { enabled: false }), services(svc({ canary: { analysis: {} } }))), key: "platform:services[0].canary.analysis", message: /^needs the observability stack's Prometheus/ },
    { name: "a canary analysis with fixed replicas", args: onprem(services(svc({ autoscaling: { enabled: false }, canary: { analysis: {} } }))), key: "platform:services[0].autoscaling.enabled", message: /^must be true for progressive delivery: Flagger .* scales the Deployment to zero/ },
    { name: "a canary analysis on a worker", args: onprem(services(svc({ worker: true, canary: { analysis: {} } }))), key: "platform:services[0].canary.analysis", message: /^analyses the mesh's request metrics, which a worker .*`pulumi config rm --path 'platform:services\[0\]\.canary\.analysis'`$/ },
    { name: "a canary analysis with KEDA triggers", args: onprem(set("messageQueue", { queues: [{ name: "orders" }] }), services(svc({ uses: { queues: ["orders"] }, autoscaling: { triggers: [{ type: "rabbitmq", queueName: "orders", value: 50 }] }, canary: { analysis: {} } }))), key: "platform:services[0].canary.analysis", message: /^cannot be combined with `autoscaling\.triggers` \(KEDA\).*fluxcd\/flagger#1934/ },
    { name: "a canary analysis with static weights", args: onprem(services(svc({ canary: { weights: { stable: 90, canary: 10 }, analysis: {} } }))), key: "platform:services[0].canary.weights", message: /^cannot be combined with `canary\.analysis`.*`pulumi config rm --path 'platform:services\[0\]\.canary\.weights'`$/ },
    { name: "a canary step beyond its maximum", args: onprem(services(svc({ canary: { analysis: { stepWeight: 60, maxWeight: 50 } } }))), key: "platform:services[0].canary.analysis.stepWeight", message: /^\(60\) must not exceed `maxWeight` \(50\)$/ },
    { name: "a static canary without weights", args: onprem(services(svc({ canary: { image: "ghcr.io/stefanprodan/podinfo:6.9.3" } }))), key: "platform:services[0].canary.weights", message: /^is required for a static canary/ },
    { name: "a DR region that is the cluster's own", args: prod(set("dr", { region: "eu-west-1" })), key: "platform:dr.region", message: /^is the cluster's own region \(eu-west-1\); choose another region to fail over to$/ },
    { name: "a Global Datastore on a node type it refuses", args: prod(set("dr", { region: "eu-central-1" }), set("redis", { mode: "managed", managed: { nodeType: "cache.t4g.medium" } })), key: "platform:redis.managed.nodeType", message: /^must be an M5\/R5 or later node type of size large or above for the Global Datastore in the DR region \(got "cache\.t4g\.medium"\), such as "cache\.r7g\.large"$/ },
    { name: "a DR region for Aurora", args: prod(set("dr", { region: "eu-central-1" }), set("postgres", { mode: "managed", managed: { awsEngine: "aurora", readReplicas: 0 } })), key: "platform:dr.region", message: /^is built for RDS, CloudNativePG and Cloud SQL, not Aurora/ },
    { name: "a DR bucket on the backup bucket's endpoint", args: onprem(set("dr", { bucket: { name: "pg-dr", endpointUrl: "https://S3.storage.example.com/" } })), key: "platform:dr.bucket.endpointUrl", message: /^is the backup bucket's own endpoint .*a site loss would lose both copies/ },
    { name: "a DR bucket on EKS", args: prod(set("dr", { bucket: { name: "pg-dr", endpointUrl: "https://s3.example.com" } })), key: "platform:dr.bucket", message: /^applies only in-cluster on k3s .*on EKS and GKE set the DR region instead \(dr\.region in the stack config/ },
    { name: "a DR bucket whose CA is a Secret Velero cannot read", args: onprem(set("dr", { bucket: { name: "pg-dr", endpointUrl: "https://s3.site-b.example.com", endpointCA: { name: "site-b-ca" } } })), key: "platform:dr.bucket.endpointCA", message: /^names a Secret \(site-b-ca\) in the data namespace, which Velero's location at the other site \(namespace velero\) cannot read: give the PEM itself/ },
    { name: "a Global Datastore on a node type older than M5/R5", args: prod(set("dr", { region: "eu-central-1" }), set("redis", { mode: "managed", managed: { nodeType: "cache.m4.large" } })), key: "platform:redis.managed.nodeType", message: /^must be an M5\/R5 or later node type/ },
    { name: "a container port beyond 65535", args: dev(services(svc({ port: 70000 }))), key: "platform:services[0].port", message: /^must be a TCP port from 1 to 65535 \(got the number 70000\)/ },
    { name: "a metrics port of 0", args: dev(services(svc({ metrics: { port: 0 } }))), key: "platform:services[0].metrics.port", message: /^must be a TCP port from 1 to 65535/ },
    { name: "a service host port beyond 65535", args: dev(services(svc({ docker: { hostPort: 65536 } }))), key: "platform:services[0].docker.hostPort", message: /^must be a TCP port from 1 to 65535/ },
    { name: "a gateway HTTP port of 0", args: dev(set("gateway", { docker: { httpPort: 0 } })), key: "platform:gateway.docker.httpPort", message: /^must be a TCP port/ },
    { name: "a Grafana host port beyond 65535", args: dev(set("observability", { docker: { grafanaHostPort: 99999 } })), key: "platform:observability.docker.grafanaHostPort", message: /^must be a TCP port/ },
    { name: "a Postgres host port beyond 65535", args: dev(set("postgres", { docker: { hostPort: 100000 } })), key: "platform:postgres.docker.hostPort", message: /^must be a TCP port/ },
    { name: "a GKE webhook port of 0", args: prod("platform:target=gke", set("gke", { project: "acme-platform-prod", region: "europe-west1", endpointPublicAccessCidrs: [], webhookPorts: [0] })), key: "platform:gke.webhookPorts[0]", message: /^must be a TCP port/ },
    { name: "two services on one host port", args: dev(services(svc({ docker: { hostPort: 9000 } }), svc({ name: "web", docker: { hostPort: 9000 } }))), key: "platform:services[1].docker.hostPort", message: /^is 9000, already the host port of services\.0\.docker\.hostPort/ },
    { name: "a service on the gateway's port", args: dev(services(svc({ docker: { hostPort: 8443 } }))), key: "platform:services[0].docker.hostPort", message: /already the host port of gateway\.docker\.httpsPort/ },
    { name: "Postgres on Redis's port", args: dev(set("postgres", { docker: { hostPort: 6379 } })), key: "platform:redis.docker.hostPort", message: /already the host port of postgres\.docker\.hostPort/ },
    { name: "HTTP on the HTTPS port", args: dev(set("gateway", { docker: { httpPort: 8443 }, routes: [{ service: "podinfo", hostname: "podinfo.localhost" }] })), key: "platform:gateway.docker.httpsPort", message: /already the host port of gateway\.docker\.httpPort/ },
    { name: "six words as a cron schedule", args: onprem(set("postgres", { backup: { schedule: "a b c d e f" } })), key: "platform:postgres.backup.schedule", message: /^is not a valid cron expression/ },
    { name: "an hour of 25", args: onprem(set("postgres", { backup: { schedule: "0 0 25 * * *" } })), key: "platform:postgres.backup.schedule", message: /Invalid value for hour: 25/ },
    ...[
      ["0 0 3 * * 7", /^has day-of-week 7: days of the week are 0 \(Sunday\) to 6 \(Saturday\)/],
      ["0 0 3 * * 1-7", /^has day-of-week 7/],
      ["0 0 3 L * *", /^uses "L" \(L, W or #, which croner takes\): CloudNativePG's cron parser \(robfig\/cron v1\) refuses it/],
      ["0 0 3 15W * *", /^uses "15W"/],
      ["0 0 3 * * MON#1", /^uses "MON#1"/],
      ["0 0 3 * * 5L", /^uses "5L"/],
    ].map(([schedule, message]) => ({ name: `a cron robfig/cron v1 refuses: ${schedule}`, args: onprem(set("postgres", { backup: { schedule } })), key: "platform:postgres.backup.schedule", message: message as RegExp })),
    { name: "a five-field cron", args: onprem(set("postgres", { backup: { schedule: "0 3 * * *" } })), key: "platform:postgres.backup.schedule", message: /^must be a six-field cron expression with seconds first/ },
    { name: "an IP as a gateway hostname", args: onprem(onpremGateway("10.0.0.1")), key: "platform:gateway.routes[0].hostname", message: /is an IP address; Gateway listeners and routes take DNS names only/ },
    { name: "a two-level wildcard", args: onprem(onpremGateway("*.*.example.com")), key: "platform:gateway.routes[0].hostname", message: /is not a valid DNS hostname/ },
    { name: "a wildcard with ACME http01", args: prod(set("gateway", { tls: { issuer: "acme", acme: { email: "ops@example.com" } }, routes: [{ service: "podinfo", hostname: "*.example.com" }] })), key: "platform:gateway.routes[0].hostname", message: /only through the dns01 solver/ },
    { name: "a host name as publishAddress", args: dev(set("docker", { host: "unix:///var/run/docker.sock", publishAddress: "localhost" })), key: "platform:docker.publishAddress", message: /^must be an IP address/ },
    { name: "an S3 bucket name with upper case", args: onprem(set("postgres", { backup: { bucket: { name: "Backups_2024", endpointUrl: "https://minio.example.com:9000" } } })), key: "platform:postgres.backup.bucket.name", message: /is not a valid bucket name: S3 bucket names/ },
    { name: "an S3 bucket name like an IP", args: onprem(set("postgres", { backup: { bucket: { name: "192.168.5.4", endpointUrl: "https://minio.example.com:9000" } } })), key: "platform:postgres.backup.bucket.name", message: /must not look like an IP address/ },
    { name: "1e9 GiB for Postgres", args: onprem(set("postgres", { storageGiB: 1e9 })), key: "platform:postgres.storageGiB", message: /^must be at most 65536 GiB/ },
    { name: "1e9 GiB for Prometheus", args: dev(set("observability", { storageGiB: 1e9 })), key: "platform:observability.storageGiB", message: /^must be at most 65536 GiB/ },
    { name: "0 GiB for the broker", args: onprem(set("messageQueue", { storageGiB: 0 })), key: "platform:messageQueue.storageGiB", message: /^must be at least 1 GiB/ },
    ...["queue", "gateway", "grafana", "prometheus", "postgres", "redis", "alertmanager"].map((name) => ({
      name: `a service named ${name}`,
      args: dev(services(svc({ name }))),
      key: "platform:services[0].name",
      message: new RegExp(`^"${name}" is a name the platform uses for its own components and containers .*choose another: \`pulumi config set --path 'platform:services\\[0\\]\\.name' ${name}-api\``),
    })),
  ],
  "4. nothing silently ignored": [
    { name: "a misspelled namespace", args: dev("platfrom:target=gke"), key: "platfrom:target", message: /is in an unknown namespace "platfrom" \(known: platform, aws, .*\); did you mean platform:target\?/ },
    { name: "a namespace one letter off", args: dev("plaform:target=gke"), key: "plaform:target", message: /is in an unknown namespace "plaform" .*; did you mean platform:target\?/ },
    { name: "a property path given to --config without --config-path", args: dev("platform:postgres.storageGiB=200"), key: "platform:postgres.storageGiB", message: /^is a property path set as a key of its own, which the program does not read: to set one value inside platform:postgres, run `pulumi config rm platform:postgres\.storageGiB`, then `pulumi config set --path 'platform:postgres\.storageGiB' 200`; with npm run plan, add --config-path to --config$/ },
    { name: "a key with a dot for the namespace's colon", args: dev("platform.target=gke"), key: "platform:platform.target", message: /^is not a known setting; did you mean `platform:target`\? Remove it with `pulumi config rm platform:platform\.target`$/ },
    { name: "--state of version 99", args: [...dev(), "--state", stateFile("v99.json", '{"version":99}')], key: "--state", message: /"version": 99; this plan reads version 3/, cliOnly: true },
    { name: "--state null", args: [...dev(), "--state", stateFile("null.json", "null")], key: "--state", message: /is null, not the JSON object `pulumi stack export` writes/, cliOnly: true },
    { name: "--state of another stack", args: [...dev(), "--state", stateFile("prod.json", JSON.stringify({ version: 3, deployment: { resources: [{ urn: "urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod" }] } }))], key: "--state", message: /is an export of stack "prod" of project "platform", not of stack "dev"/, cliOnly: true },
    { name: "--state without a deployment", args: [...dev(), "--state", stateFile("nodeploy.json", '{"version":3,"deployment":null}')], key: "--state", message: /has no "deployment" object/, cliOnly: true },
    { name: "--state with a resource without URN", args: [...dev(), "--state", stateFile("nourn.json", '{"version":3,"deployment":{"resources":[null]}}')], key: "--state", message: /a resource without a URN \(deployment\.resources\[0\]\)/, cliOnly: true },
    { name: "a malformed --config-path key", args: ["--stack", "dev", "--config-path", "--config", "platform:services[x].replicas=2"], key: "--config-path", message: /is not a property path \(at "\[x\]\.replicas"\)/, cliOnly: true },
    { name: "a --config-path into a value that is not a map", args: ["--stack", "dev", "--config-path", "--config", "platform:target.x=1"], key: "--config-path", message: /the value at this point is not a map/, cliOnly: true },
    { name: "--state that is not JSON", args: [...dev(), "--state", stateFile("text.json", "hello")], key: "--state", message: /is not JSON/, cliOnly: true },
  ],
  "5. output files checked before planning": [
    { name: "--json /", args: [...dev(), "--json", "/"], key: "--json", message: /names a directory/, cliOnly: true },
    { name: "--json a directory", args: [...dev(), "--json", tmp], key: "--json", message: /is a directory; give a file name/, cliOnly: true },
    { name: "--json under /proc", args: [...dev(), "--json", "/proc/self/status"], key: "--json", message: /is under \/proc, a kernel file system/, cliOnly: true },
    { name: "--diagram under /dev", args: [...dev(), "--diagram", "/dev/null"], key: "--diagram", message: /is under \/dev/, cliOnly: true },
    { name: "--json empty", args: [...dev(), "--json", ""], key: "--json", message: /the path is empty/, cliOnly: true },
    { name: "--json and --diagram the same file", args: [...dev(), "--json", path.join(tmp, "same.out"), "--diagram", path.join(tmp, "same.out")], key: "--json", message: /both name .*same\.out/, cliOnly: true },
    { name: "--json under a file", args: [...dev(), "--json", path.join(stateFile("afile", "x"), "plan.json")], key: "--json", message: /is a file, not a directory/, cliOnly: true },
    { name: "--state empty", args: [...dev(), "--state", ""], key: "--state", message: /the path is empty/, cliOnly: true },
    { name: "--state under /proc", args: [...dev(), "--state", "/proc/kmsg"], key: "--state", message: /is under \/proc/, cliOnly: true },
  ],
  "6. messages that say what is wrong": [
    { name: "a negative memory", args: dev(services(svc({ resources: { limits: { memory: "-1Gi" } } }))), key: "platform:services[0].resources.limits.memory", message: /"-1Gi" must be greater than zero/ },
    { name: "Docker in prod: one refusal", args: dev("platform:environment=prod"), key: "platform:environment", message: /^prod cannot run on docker/ },
    { name: "a missing required key", args: prod("platform:target=gke", set("gke", { region: "europe-west1" })), key: "platform:gke.project", message: /^is required; set it with `pulumi config set --path 'platform:gke\.project'` \(without a value it prompts for one, or reads it from standard input\)$/ },
    { name: "--stack that does not exist", args: ["--stack", "nope"], key: "--stack", message: /there is no Pulumi\.nope\.yaml .*; the stacks are dev, onprem, prod/, cliOnly: true },
    { name: "an EKS problem at its field, once", args: prod(set("eks", { region: "eu-west-1", availabilityZoneCount: 2, endpointPublicAccessCidrs: [] })), key: "platform:eks.availabilityZoneCount", message: /^must be at least 3 in prod \(got 2\)$/ },
    { name: "protect=false in prod", args: prod("platform:protect=false"), key: "platform:protect", message: /^is false in prod: .*`pulumi config rm platform:protect`/ },
  ],
};

/** The CLI's error lines and the runtime's, for one case. */
function runtimeMessage(args: readonly string[]): string | undefined {
  const stack = args[args.indexOf("--stack") + 1];
  const overrides = args.flatMap((a, i) => (args[i - 1] === "--config" ? [a] : []));
  const file = readStackConfig(PROJECT, stack, overrides);
  // The runtime decrypts a whole secret block, which the offline reader leaves out: an object stands in.
  pulumi.runtime.setAllConfig({ ...file.config, ...Object.fromEntries(file.secretBlocks.map((b) => [b, "{}"])) }, file.secretKeys);
  try {
    loadConfig();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof pulumi.RunError, `loadConfig threw ${(error as Error).stack}`);
    return (error as Error).message;
  }
}

function assertClean(text: string) {
  assert.doesNotMatch(text, /got "undefined"|Cannot read properties|TypeError|\n\s+at \S+ \(/, text);
}

const cli = new Map<Bad, PlanRun>();

/** Runs the built CLI as `npm run plan` does, with the case's own flags only. */
function runCli(args: readonly string[]): Promise<PlanRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["dist/plan/cli.js", ...args, "--quiet"], { cwd: PROJECT, env: { ...process.env, PLAN_DEBUG: "" }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr, plan: undefined });
    });
  });
}

describe("config mistakes, by class", () => {
  before(async () => {
    pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "platform", "dev");
    // Two CLI runs at a time: each exits before planning. The CLI and `pulumi up` share the parse
    // (collectConfig, validateCollected), so the CLI runs every flag case and a sample of the rest.
    const all = Object.values(BAD).flatMap((cases) => cases.filter((c, i) => c.cliOnly || c.runtime || i < 2 || i % 4 === 0));
    for (let i = 0; i < all.length; i += 2) {
      await Promise.all(all.slice(i, i + 2).map(async (c) => cli.set(c, await runCli(c.args))));
    }
  });
  for (const [group, cases] of Object.entries(BAD)) {
    it(`${group}: exits 2 naming the key, through the CLI and pulumi up alike (${cases.length} cases)`, () => {
      for (const c of cases) {
        const run = cli.get(c);
        const runtime = c.cliOnly ? undefined : runtimeMessage(c.args);
        if (!c.cliOnly) {
          assert.ok(runtime, `${c.name}: pulumi up accepted it`);
          assertClean(runtime);
        }
        if (c.runtime) {
          const entry = runtime!.split("\n").find((l) => l.startsWith(`  - ${c.runtime!.key}: `));
          assert.ok(entry, `${c.name}: pulumi up names no ${c.runtime.key}:\n${runtime}`);
          assert.match(entry.slice(`  - ${c.runtime.key}: `.length), c.runtime.message, `${c.name} (pulumi up)`);
        }
        if (run) {
          assert.equal(run.code, 2, `${c.name}: exit ${run.code}\n${run.stderr}`);
          assert.doesNotMatch(run.stdout, /Plan for stack|Plan written/, `${c.name}: nothing planned`);
          assertClean(run.stderr);
          if (runtime && !c.runtime) assert.equal(run.stderr.replace(/^warning: .*\n/gm, ""), `error: ${runtime}\n`, `${c.name}: pulumi up says the same as the plan`);
        }
        const text = run?.stderr ?? (c.runtime ? undefined : `error: ${runtime}\n`);
        if (text === undefined) continue;
        const line = text.split("\n").find((l) => l.includes(c.key));
        assert.ok(line, `${c.name}: no line names ${c.key}:\n${text}`);
        if (c.cliOnly) {
          assert.match(line, c.message, c.name);
          continue;
        }
        const entry = `  - ${c.key}: `;
        const mine = text.split("\n").find((l) => l.startsWith(entry));
        assert.ok(mine, `${c.name}: no entry for ${c.key}:\n${text}`);
        assert.match(mine.slice(entry.length), c.message, c.name);
      }
    });
  }

  it("counts the bad inputs by class (for the issue's closing note)", () => {
    const counts = Object.fromEntries(Object.entries(BAD).map(([group, cases]) => [group.split(".")[0], cases.length]));
    assert.deepEqual(counts, { "1": 14, "2": 8, "3": 84, "4": 12, "5": 9, "6": 6 });
  });
});

/** One valid edge case: a stack file (written beside the shipped ones for the run) or overrides of a shipped stack. */
interface Good {
  readonly name: string;
  readonly stack: string;
  readonly overrides?: readonly string[];
  /** The stack file's YAML, when the case is one. */
  readonly yaml?: string;
  /** Also run through the CLI (a whole plan: a few seconds each). */
  readonly cli?: boolean;
}

const SUFFIX = "t13-good";

const GOOD: Good[] = [
  {
    name: "YAML merge keys (<<: *base) in a stack file",
    stack: `${SUFFIX}-merge`,
    yaml: `config:
${DEV_BASE}  platform:services:
    - &base
      name: api
      image: ghcr.io/stefanprodan/podinfo:6.9.2
      port: 9898
      resources: { requests: { cpu: 50m, memory: 64Mi }, limits: { cpu: 250m, memory: 128Mi } }
    - <<: *base
      name: web
`,
    cli: true,
  },
  {
    name: "a receiver URL set with --secret --path (a nested secure: value)",
    stack: `${SUFFIX}-nested-secret`,
    yaml: `config:
${DEV_BASE}  platform:observability:
    receivers:
      - name: ops
        kind: slack
        url:
          secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
`,
    cli: true,
  },
  {
    name: "a whole block set with --secret",
    stack: `${SUFFIX}-secret-block`,
    yaml: `config:
${DEV_BASE}  platform:observability:
    secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
`,
    cli: true,
  },
  { name: "a wildcard hostname on k3s (self-signed)", stack: "onprem", overrides: [onpremGateway("*.apps.example.com")], cli: true },
  { name: "a wildcard hostname on Docker", stack: "dev", overrides: [set("gateway", { routes: [{ service: "podinfo", hostname: "*.localhost" }] })] },
  { name: "a wildcard with ACME dns01 on EKS", stack: "prod", overrides: [set("gateway", { tls: { issuer: "acme", acme: { email: "ops@example.com", solver: "dns01", dnsZone: "Z0123456789" } }, routes: [{ service: "podinfo", hostname: "*.example.com" }] })] },
  { name: "a quoted Kubernetes version", stack: "prod", overrides: [set("eks", { region: "eu-west-1", kubernetesVersion: "1.30", endpointPublicAccessCidrs: [] })] },
  { name: "a number-like env value, quoted", stack: "dev", overrides: [services(svc({ name: "podinfo", env: { PORT: "9898" } }))] },
  { name: "a 56-character name with a canary, a 63-character one without", stack: "onprem", overrides: [services(svc({ name: "podinfo" }), svc({ name: `a${"b".repeat(55)}`, canary }), svc({ name: `c${"d".repeat(62)}` }))] },
  { name: "IPv6 loopback as publishAddress", stack: "dev", overrides: [set("docker", { host: "unix:///var/run/docker.sock", publishAddress: "::1" })] },
  { name: "a cron with day names", stack: "onprem", overrides: [set("postgres", { backup: { schedule: "0 30 2 * * MON-FRI", bucket: { name: "platform.backups", endpointUrl: "https://minio.example.com:9000" } } })] },
  { name: "the largest volume", stack: "onprem", overrides: [set("postgres", { storageGiB: 65536, backup: { bucket: { name: "backups", endpointUrl: "https://minio.example.com:9000" } } })] },
  { name: "keys of providers this program does not use (an ESC environment's)", stack: "dev", overrides: ["datadog:apiKey=x", "cloudflare:apiToken=y", "aws-native:region=eu-west-1", "github:owner=acme"], cli: true },
  { name: "a service name that merely starts like a platform one", stack: "dev", overrides: [services(svc({ name: "podinfo" }), svc({ name: "queue-worker", docker: { hostPort: 9899 } }))] },
];

describe("valid edge cases, by class", () => {
  before(() => {
    for (const g of GOOD) if (g.yaml) fs.writeFileSync(path.join(PROJECT, `Pulumi.${g.stack}.yaml`), g.yaml);
  });

  it(`pulumi up accepts each of them (${GOOD.length} cases)`, () => {
    for (const g of GOOD) {
      const file = readStackConfig(PROJECT, g.stack, g.overrides ?? []);
      pulumi.runtime.setAllConfig(file.config, file.secretKeys);
      assert.doesNotThrow(() => loadConfig(), g.name);
    }
  });

  it("the plan exits 0 on the stack-file cases and the wildcard, and never writes a secret", async () => {
    for (const g of GOOD.filter((c) => c.cli)) {
      const json = path.join(tmp, `${g.stack}.json`);
      const run = await runCli(["--stack", g.stack, ...(g.overrides ?? []).flatMap((o) => ["--config", o]), "--json", json]);
      assert.equal(run.code, 0, `${g.name}:\n${run.stderr}`);
      assertClean(run.stderr);
      const text = fs.readFileSync(json, "utf8");
      assert.doesNotMatch(text, /BBBBBBBB/, `${g.name}: the ciphertext stays out of the plan`);
      if (g.stack.endsWith("secret-block")) assert.match(run.stderr, /warning: platform:observability is a whole block set with --secret; the offline plan cannot decrypt it/);
      if (g.name.startsWith("keys of providers")) assert.match(run.stderr, /^warning: datadog:apiKey is in a namespace this program does not read/m);
      if (g.stack.endsWith("merge")) {
        const names = JSON.parse(text).resources.filter((r: { type: string }) => r.type === "platform:index:AppService").map((r: { name: string }) => r.name);
        assert.deepEqual(names.sort(), ["api", "web"], "the merged entry is a second service");
      }
      if (g.name.startsWith("a wildcard hostname on k3s")) {
        const gateway = JSON.parse(text).resources.find((r: { type: string }) => r.type === "kubernetes:gateway.networking.k8s.io/v1:Gateway");
        const listener = gateway.inputs.spec.listeners.find((l: { hostname?: string }) => l.hostname === "*.apps.example.com");
        assert.equal(listener?.name, "wildcard-https-apps-example-com");
      }
    }
  });

  it("--config-path sets one value and keeps the rest of the block (prod's storageGiB stays 100)", () => {
    const whole = readStackConfig(PROJECT, "prod", ['platform:postgres={"mode":"in-cluster"}']);
    const pathed = readStackConfig(PROJECT, "prod", ["platform:postgres.mode=in-cluster", "platform:postgres.backup.retentionDays=7", 'platform:eks.tags["cost.center"]=platform'], { paths: true });
    assert.deepEqual(JSON.parse(whole.config["platform:postgres"]), { mode: "in-cluster" }, "a plain --config replaces the block");
    const postgres = JSON.parse(pathed.config["platform:postgres"]);
    assert.equal(postgres.mode, "in-cluster");
    assert.equal(postgres.storageGiB, JSON.parse(readStackConfig(PROJECT, "prod").config["platform:postgres"]).storageGiB);
    assert.equal(postgres.storageGiB, 100);
    assert.equal(postgres.backup.retentionDays, 7, "an integer is a number, as with pulumi config set --path");
    assert.deepEqual(JSON.parse(pathed.config["platform:eks"]).tags, { ...JSON.parse(readStackConfig(PROJECT, "prod").config["platform:eks"]).tags, "cost.center": "platform" });
    pulumi.runtime.setAllConfig(pathed.config, pathed.secretKeys);
    assert.doesNotThrow(() => loadConfig());
  });

  it("--config-path keeps a block secret while it holds a secure value, and 0123 stays a string", () => {
    const stack = `${SUFFIX}-nested-secret`;
    const validate = (overrides: string[]) => {
      const file = readStackConfig(PROJECT, stack, overrides, { paths: true });
      return { file, result: validateCollected(collectConfig(file.config, file.project, (k) => file.secretKeys.includes(k), file.secureValues)) };
    };
    const beside = validate(["platform:observability.receivers[0].name=pager", "platform:observability.retentionDays=7"]);
    assert.ok(beside.file.secretKeys.includes("platform:observability"), "the URL is still a secure value");
    assert.ok(beside.result.ok, JSON.stringify(!beside.result.ok && beside.result.issues));
    const replaced = validate(["platform:observability.receivers[0].url=https://hooks.example.com/x"]);
    assert.ok(!replaced.file.secretKeys.includes("platform:observability"), "the only secure value was replaced by plain text");
    assert.deepEqual(!replaced.result.ok && replaced.result.issues.map((i) => i.key), ["platform:observability.receivers[0].url"]);
    const whole = validate(["platform:observability.receivers=[]"]);
    assert.ok(!whole.file.secretKeys.includes("platform:observability"), "a list that replaces the receivers drops their secure values");
    for (const [value, read] of [["0123", "0123"], ["123", 123], ["-7", -7], ["-0", "-0"], ["true", true], ["1e3", "1e3"]] as const) assert.equal(pathValue(value), read, value);
    const pinned = readStackConfig(PROJECT, "dev", ["platform:services[0].env.PIN=0123"], { paths: true });
    assert.equal(JSON.parse(pinned.config["platform:services"])[0].env.PIN, "0123");
  });

  it("--config-path overrides of one block read each other as its stored JSON would", () => {
    const services = (overrides: string[]) => JSON.parse(readStackConfig(PROJECT, "dev", ["platform:services=[]", ...overrides], { paths: true }).config["platform:services"]);
    const cases: { name: string; overrides: string[]; services?: unknown; error?: RegExp }[] = [
      { name: "a gap left by a set past the end reads back as null", overrides: ["platform:services[2].name=c"], services: [null, null, { name: "c" }] },
      { name: "a set into that gap finds null, not a map", overrides: ["platform:services[2].name=c", "platform:services[0].name=a"], error: /services\[0\]\.name=a: the value at this point is not a map/ },
      { name: "a whole value between path overrides replaces what they set", overrides: ["platform:services[0].name=a", "platform:services[0]=x", "platform:services[1].name=b"], services: ["x", { name: "b" }] },
      { name: "later overrides keep earlier ones", overrides: ["platform:services[0].name=a", "platform:services[1].name=b", "platform:services[0].port=80"], services: [{ name: "a", port: 80 }, { name: "b" }] },
    ];
    for (const c of cases) {
      if (c.error) assert.throws(() => services(c.overrides), c.error, c.name);
      else assert.deepEqual(services(c.overrides), c.services, c.name);
    }
    // A long list set one field at a time (what `npm run bench` passes for 1,000 services) is the list given whole.
    const list = Array.from({ length: 300 }, (_, i) => ({ name: `svc-${i}`, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 }));
    assert.deepEqual(services(list.flatMap((s, i) => Object.entries(s).map(([field, value]) => `platform:services[${i}].${field}=${value}`))), list);
  });

  it("a whole block set with --secret cannot be changed one value at a time offline", () => {
    assert.throws(() => readStackConfig(PROJECT, `${SUFFIX}-secret-block`, ["platform:observability.retentionDays=7"], { paths: true }), /platform:observability is a whole block set with --secret/);
  });

  it("hints never pair --secret with --type, and never carry a secret's value", () => {
    const cases = [
      [["observability", "receivers", 0, "url"], "https://x", { secret: true, type: "string" }, "pulumi config set --secret --path 'platform:observability.receivers[0].url'"],
      [["kubeconfig"], "…", { secret: true }, "pulumi config set --secret platform:kubeconfig"],
      [["services", 0, "env", "PORT"], "9898", { type: "string" }, "pulumi config set --path --type string 'platform:services[0].env.PORT' 9898"],
      [["services", 0, "env", "PIN"], "0123", { type: "string" }, "pulumi config set --path 'platform:services[0].env.PIN' 0123"],
      [["gke", "project"], "…", {}, "pulumi config set --path 'platform:gke.project'"],
    ] as const;
    for (const [at, example, options, command] of cases) assert.equal(setCommand(at, example, options), command);
  });

  it("the observability stack's stateful releases follow `protect`, as the data stores do", () => {
    const cases = [
      [{ environment: "prod" }, true],
      [{ environment: "staging", protect: true }, true],
      [{ environment: "staging" }, false],
      [{ environment: "dev", protect: false }, false],
    ] as const;
    for (const [config, expected] of cases) {
      const settings = observabilitySettings({ target: "k3s", ...config });
      assert.equal(resolveObservability(settings!, { environment: config.environment }).protect, expected, JSON.stringify(config));
    }
  });

  it("a JSON kubeconfig (kubectl accepts one) is taken as the string it is", () => {
    const file = readStackConfig(PROJECT, "onprem");
    const kubeconfig = JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [] });
    pulumi.runtime.setAllConfig({ ...file.config, "platform:kubeconfig": kubeconfig }, file.secretKeys);
    const config = loadConfig();
    assert.ok(pulumi.Output.isInstance(config.kubeconfig), "still a secret");
  });

  it("reads the keys the program reads when the project is renamed, and refuses the ones it would ignore", () => {
    const dir = fs.mkdtempSync(path.join(tmp, "renamed-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: acme\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), `config:\n${DEV_BASE}  environment: prod\n`);
    const file = readStackConfig(dir, "dev");
    pulumi.runtime.setAllConfig(file.config, file.secretKeys);
    const collected = collectConfig({ ...file.config, "datadog:site": "datadoghq.eu", "platfrom:target": "gke" }, file.project, () => false);
    const problems = collected.issues;
    assert.deepEqual(problems.map((p) => p.key), ["acme:environment", "platfrom:target"]);
    assert.deepEqual(collected.warnings.map((p) => p.key), ["datadog:site"], "another provider's key is left alone");
    assert.match(problems[0].message, /the program reads its keys under "platform:"; name the project "platform" in Pulumi\.yaml, or rename the key to platform:environment/);
  });
});
