/**
 * What the edge rules share: reading Gateway API objects (listeners, HTTPRoute rules and parent
 * refs), and the Traefik configuration that the Docker gateway container uploads. Internal to the
 * policy pack: the rules in `gateway-*.ts`, `tls-minimum-version.ts` and `routes-rate-limited.ts`
 * import it; `policies/rules/index.ts` does not export it as a rule.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/
 * @see https://doc.traefik.io/traefik/providers/file/
 */
import type * as dockerSdk from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { validateResourceOfType, type ReportViolation } from "@pulumi/policy";
import { parse } from "yaml";
import { uploadText, type KubeObject } from "./known";
import { COMPONENT_LABEL, COMPONENT_ROLES, GATEWAY_API_GROUP } from "../../components/contract/labels";
import { docker } from "./resource-types";

// ---------------------------------------------------------------------------------------------
// Gateway API

const GATEWAY_GROUP = GATEWAY_API_GROUP;

/** The type tokens of a Gateway API Gateway. */
export const GATEWAY_TYPES = [`kubernetes:${GATEWAY_GROUP}/v1:Gateway`, `kubernetes:${GATEWAY_GROUP}/v1beta1:Gateway`];

/** The type tokens of a Gateway API HTTPRoute. */
export const HTTP_ROUTE_TYPES = [`kubernetes:${GATEWAY_GROUP}/v1:HTTPRoute`, `kubernetes:${GATEWAY_GROUP}/v1beta1:HTTPRoute`];

/** A Gateway listener, as `spec.listeners[]` holds it. */
export interface Listener {
  name: string;
  protocol: string;
  port?: number;
  hostname?: string;
  tls?: { mode?: string; certificateRefs?: { group?: string; kind?: string; name: string; namespace?: string }[] };
}

/**
 * `Gateway "ns/name" listener "http" (HTTP)`.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#listener
 */
export function listenerLabel(gateway: KubeObject, listener: Listener): string {
  return `${gateway.label} listener "${listener.name}" (${listener.protocol})`;
}

/** A filter of an HTTPRoute rule. */
export interface RouteFilter {
  type: string;
  requestRedirect?: { scheme?: string };
  extensionRef?: { group?: string; kind?: string; name: string };
}

/** A rule of an HTTPRoute. */
export interface RouteRule {
  filters?: RouteFilter[];
}

/**
 * Whether an HTTPRoute rule only redirects to HTTPS: its filters are exactly one `RequestRedirect`
 * with `scheme: https`.
 *
 * @see https://gateway-api.sigs.k8s.io/guides/http-redirect-rewrite/
 */
export function isRedirectRule(rule: RouteRule): boolean {
  const filters = rule.filters ?? [];
  return filters.length === 1 && filters[0].type === "RequestRedirect" && filters[0].requestRedirect?.scheme === "https";
}

/**
 * Whether an HTTPRoute `spec` has rules and every one only redirects to HTTPS.
 *
 * @see https://gateway-api.sigs.k8s.io/guides/http-redirect-rewrite/#http-to-https-redirects
 */
export function isRedirectOnly(spec: { rules?: RouteRule[] }): boolean {
  const rules = spec.rules ?? [];
  return rules.length > 0 && rules.every(isRedirectRule);
}

/**
 * The `parentRefs` of an HTTPRoute that name a Gateway (the default group and kind).
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#parentreference
 */
export function gatewayParentRefs(route: KubeObject): { name: string; namespace?: string; sectionName?: string; port?: number }[] {
  return ((route.spec?.parentRefs ?? []) as { group?: string; kind?: string; name: string }[]).filter(
    (ref) => (ref.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && (ref.kind ?? "Gateway") === "Gateway",
  );
}

// ---------------------------------------------------------------------------------------------
// Traefik on Docker

/** The label that marks the gateway's container (the Docker gateway sets it). */
export const DOCKER_GATEWAY_LABEL = { label: COMPONENT_LABEL, value: COMPONENT_ROLES.gateway } as const;

/** Where Traefik reads its static configuration unless `--configFile` says otherwise. */
const DEFAULT_STATIC_CONFIG = "/etc/traefik/traefik.yaml";

type DockerContainer = pulumi.Unwrap<dockerSdk.ContainerArgs>;

/** The parts of Traefik's dynamic configuration the rules read, merged over every file. */
export interface TraefikDynamic {
  routers: Record<string, { entryPoints?: string[]; middlewares?: string[]; tls?: unknown }>;
  middlewares: Record<string, { rateLimit?: { average?: number }; redirectScheme?: { scheme?: string } }>;
  tlsOptions: Record<string, { minVersion?: string }>;
  certificates: { certFile?: string; keyFile?: string }[];
}

/** The Traefik configuration a gateway container uploads. */
export interface TraefikUploads {
  /** `Docker gateway container "name"`. */
  readonly label: string;
  /** The static configuration, or `undefined` when no upload holds it. */
  readonly static?: any;
  /** The file provider's files, merged; `undefined` when none is uploaded. */
  readonly dynamic?: TraefikDynamic;
}

/**
 * Reads the Traefik configuration a Docker container uploads, when the container carries
 * {@link DOCKER_GATEWAY_LABEL}: the static configuration from `--configFile` in its `command` (or
 * Traefik's default path), and the file provider's files (`providers.file.filename`, or every
 * upload under `providers.file.directory`), merged.
 *
 * @returns `undefined` for any other container.
 * @throws Error from the YAML parser when an upload is not YAML.
 * @see https://doc.traefik.io/traefik/getting-started/configuration-overview/#configuration-file
 */
export function traefikUploads(container: DockerContainer, name: string): TraefikUploads | undefined {
  if (!(container.labels ?? []).some((l) => l.label === DOCKER_GATEWAY_LABEL.label && l.value === DOCKER_GATEWAY_LABEL.value)) return undefined;
  const label = `Docker gateway container "${container.name ?? name}"`;
  const uploads = (container.uploads ?? []).map((u) => ({ file: u.file, text: uploadText(u) }));
  const configFlag = (container.command ?? []).find((arg) => arg.startsWith("--configFile="));
  const staticPath = configFlag ? configFlag.slice("--configFile=".length) : DEFAULT_STATIC_CONFIG;
  const staticText = uploads.find((u) => u.file === staticPath)?.text;
  if (staticText === undefined) return { label };
  const staticConfig = parse(staticText) ?? {};
  const file = staticConfig.providers?.file ?? {};
  const dynamicTexts = uploads
    .filter((u) => u.file === file.filename || (file.directory && u.file.startsWith(`${String(file.directory).replace(/\/$/, "")}/`)))
    .map((u) => u.text)
    .filter((t): t is string => t !== undefined);
  if (dynamicTexts.length === 0) return { label, static: staticConfig };
  const docs = dynamicTexts.map((t) => parse(t) ?? {});
  const dynamic: TraefikDynamic = {
    routers: Object.assign({}, ...docs.map((d) => d.http?.routers)),
    middlewares: Object.assign({}, ...docs.map((d) => d.http?.middlewares)),
    tlsOptions: Object.assign({}, ...docs.map((d) => d.tls?.options)),
    certificates: docs.flatMap((d) => d.tls?.certificates ?? []),
  };
  return { label, static: staticConfig, dynamic };
}

/**
 * The Traefik uploads of a container, parsed once however many rules read them: the rules share
 * one view of a resource per run (plan/policy-runner.ts), so the view's props key the cache. A
 * parse error is kept and thrown again to every rule. The uploads are frozen: shared, they are read-only.
 */
const parsed = new WeakMap<object, { uploads?: TraefikUploads; error?: unknown }>();
/** Freezes a parsed document through and through, so that no rule can change what the next one reads. */
function frozen<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) frozen(inner);
    Object.freeze(value);
  }
  return value;
}
function parsedUploads(container: DockerContainer, name: string): TraefikUploads | undefined {
  let entry = parsed.get(container);
  if (!entry) {
    try {
      entry = { uploads: frozen(traefikUploads(container, name)) };
    } catch (error) {
      entry = { error };
    }
    parsed.set(container, entry);
  }
  if (entry.error) throw entry.error;
  return entry.uploads;
}

/**
 * A resource validation of the Traefik gateway container's uploaded configuration: `check` runs
 * with the dynamic configuration, or a violation says it is missing or not YAML.
 *
 * @see https://doc.traefik.io/traefik/providers/file/
 */
export function validateTraefikDynamic(check: (uploads: TraefikUploads & { dynamic: TraefikDynamic }, reportViolation: ReportViolation) => void) {
  return validateResourceOfType(docker.Container, (container, args, reportViolation) => {
    let uploads: TraefikUploads | undefined;
    try {
      uploads = parsedUploads(container, args.name);
    } catch (error) {
      reportViolation(`Docker gateway container "${container.name ?? args.name}" uploads a Traefik configuration that is not YAML: ${(error as Error).message.split("\n")[0]}`);
      return;
    }
    if (!uploads) return;
    if (!uploads.dynamic) {
      reportViolation(`${uploads.label} uploads no Traefik dynamic configuration: no static configuration, or no file under its providers.file.`);
      return;
    }
    check(uploads as TraefikUploads & { dynamic: TraefikDynamic }, reportViolation);
  });
}

/**
 * The middleware definitions a router uses, by name (a `@file` suffix dropped); `undefined` for one not defined.
 *
 * @see https://doc.traefik.io/traefik/middlewares/overview/
 */
export function routerMiddlewares(router: { middlewares?: string[] }, dynamic: TraefikDynamic): [string, TraefikDynamic["middlewares"][string] | undefined][] {
  return (router.middlewares ?? []).map((m) => [m, dynamic.middlewares[m.replace(/@file$/, "")]]);
}

/**
 * Whether a router only redirects to HTTPS: it has middlewares, and each is a `redirectScheme` to `https`.
 *
 * @see https://doc.traefik.io/traefik/middlewares/http/redirectscheme/
 */
export function isRedirectRouter(router: { middlewares?: string[] }, dynamic: TraefikDynamic): boolean {
  const used = routerMiddlewares(router, dynamic);
  return used.length > 0 && used.every(([, m]) => m?.redirectScheme !== undefined && (m.redirectScheme.scheme ?? "https") === "https");
}
