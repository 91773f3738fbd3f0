/**
 * Config keys as a person types them: the namespace, key paths in the form `pulumi config set
 * --path` takes (`platform:services[0].replicas`), which keys are secrets, and the `pulumi config
 * set` command that sets one. Every message and hint of the config is written with these, so a
 * hint works when pasted.
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */

/** The config namespace: the Pulumi project name, which the program reads its keys under. */
export const CONFIG_NAMESPACE = "platform";

/** Keys whose values must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = ["kubeconfig", "postgresBackupAccessKeyId", "postgresBackupSecretAccessKey"] as const;

/** Fields of an `observability.receivers[]` entry that carry credentials (webhook tokens, SMTP passwords). */
export const SECRET_RECEIVER_FIELDS = ["url", "routingKey", "apiKey", "smtpPassword"] as const;

/** A key path without the namespace: `["services", 0, "replicas"]`. */
export type KeyPath = readonly PropertyKey[];

/**
 * The full key of a path, as `pulumi config set --path` takes it: `platform:services[0].replicas`.
 * A map key that is not an identifier is quoted: `platform:services[0].env["A.B"]`.
 */
export function keyPath(path: KeyPath): string {
  let key = CONFIG_NAMESPACE;
  path.forEach((part, i) => {
    if (typeof part === "number") key += `[${part}]`;
    else if (i > 0 && !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(part))) key += `[${JSON.stringify(String(part))}]`;
    else key += i === 0 ? `:${String(part)}` : `.${String(part)}`;
  });
  return key;
}

/**
 * Whether the value at a path must be a secret: a secret key, or a receiver's URL or password.
 *
 * @param secretKeys - the top-level keys the stack holds as secrets: nothing under them is echoed.
 */
export function isSecretPath(path: KeyPath, secretKeys: readonly string[] = []): boolean {
  const [top, list, , field] = path;
  if (SECRET_KEYS.some((k) => k === top) || secretKeys.includes(String(top))) return true;
  if (top === "observability" && list === "heartbeat") return true;
  return top === "observability" && list === "receivers" && SECRET_RECEIVER_FIELDS.some((f) => f === field);
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The value types `pulumi config set --type` takes. */
export type ConfigValueType = "string" | "bool" | "int" | "float";

/** What a `pulumi config set` without a value does: prompt for it, or read standard input. */
export const PROMPTS = " (without a value it prompts for one, or reads it from standard input)";

/**
 * The `pulumi config set` command that sets a key to an example value: `--path` for a nested key,
 * `--secret` for a secret one (then no value: the CLI prompts for it, so a secret never appears in
 * a hint), and `--type` where the CLI would otherwise read the value as another type (with
 * `--path`, `true`/`false` become booleans and integers numbers; everything else a string). The CLI
 * takes `--secret` and `--type` as exclusive, so a secret gets no `--type`.
 *
 * @param example - the value, as typed on the command line; `"…"` where only the user knows it
 *   (the command then has no value and prompts for it).
 * @param type - the type the schema expects at the key.
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/
 */
export function setCommand(path: KeyPath, example: string, options: { secret?: boolean; type?: ConfigValueType } = {}): string {
  const nested = path.length > 1;
  const flags = [options.secret ? "--secret" : "", nested ? "--path" : ""].filter(Boolean);
  const prompt = example === "…" || options.secret;
  if (nested && options.type && !options.secret && !prompt) {
    const readAs: ConfigValueType = example === "true" || example === "false" ? "bool" : /^-?\d+$/.test(example) && String(Number(example)) === example ? "int" : "string";
    if (readAs !== options.type) flags.push(`--type ${options.type}`);
  }
  const value = shellWord(example);
  const key = nested ? `'${keyPath(path)}'` : keyPath(path);
  return `pulumi config set ${[...flags, key].join(" ")}${prompt ? "" : value.startsWith("-") ? ` -- ${value}` : ` ${value}`}`;
}

/** `set it with \`pulumi config set …\``, saying that a command without a value prompts for it. */
export const setIt = (path: KeyPath, example: string, options?: Parameters<typeof setCommand>[2]) => {
  const prompt = example === "…" || options?.secret;
  return `set it with \`${setCommand(path, example, options)}\`${prompt ? PROMPTS : ""}`;
};

/** The `pulumi config rm` command that removes a key. */
export function removeCommand(path: KeyPath): string {
  return path.length > 1 ? `pulumi config rm --path '${keyPath(path)}'` : `pulumi config rm ${keyPath(path)}`;
}

/**
 * The config namespaces this program reads: its own, and those of the providers it uses (their
 * provider config, such as `aws:region` or `kubernetes:context`) and of Pulumi itself.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/#configuration-namespaces
 */
export const KNOWN_NAMESPACES = [CONFIG_NAMESPACE, "aws", "gcp", "kubernetes", "docker", "random", "tls", "pulumi"] as const;

/**
 * The edit distance (Levenshtein, case-insensitive) between two words, for "did you mean" hints.
 *
 * @see https://en.wikipedia.org/wiki/Levenshtein_distance
 */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/**
 * Keys in a namespace the program does not read. Errors: a near-miss of the program's namespace
 * (`platfrom:target`, within two edits) and keys under a renamed project (`acme:target`), which the
 * program, reading `platform:*`, would silently ignore. Warnings: any other namespace (an ESC
 * environment's `datadog:` or `cloudflare:` keys are normal; `pulumi up` says nothing of them).
 *
 * @param keys - full keys, `namespace:key`.
 * @param project - the project name from `Pulumi.yaml`.
 * @returns one message per key, naming the known namespaces and the likely key.
 */
export function namespaceProblems(keys: readonly string[], project: string): { errors: { key: string; message: string }[]; warnings: { key: string; message: string }[] } {
  const errors: { key: string; message: string }[] = [];
  const warnings: { key: string; message: string }[] = [];
  for (const full of keys) {
    const colon = full.indexOf(":");
    const namespace = colon < 0 ? "" : full.slice(0, colon);
    if (KNOWN_NAMESPACES.some((n) => n === namespace)) continue;
    const meant = `${CONFIG_NAMESPACE}:${full.slice(colon + 1)}`;
    if (namespace === project) {
      errors.push({ key: full, message: `is in the project's namespace "${project}" (Pulumi.yaml's name), but the program reads its keys under "${CONFIG_NAMESPACE}:"; name the project "${CONFIG_NAMESPACE}" in Pulumi.yaml, or rename the key to ${meant}` });
    } else if (editDistance(namespace, CONFIG_NAMESPACE) <= 2) {
      errors.push({ key: full, message: `is in an unknown namespace "${namespace}" (known: ${KNOWN_NAMESPACES.join(", ")}); did you mean ${meant}?` });
    } else {
      warnings.push({ key: full, message: `is in a namespace this program does not read (it reads ${KNOWN_NAMESPACES.join(", ")}); it is left alone` });
    }
  }
  return { errors, warnings };
}
