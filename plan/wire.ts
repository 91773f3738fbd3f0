/**
 * Pulumi's wire format (what the SDK sends the engine) turned into plain JSON for the plan file.
 * Secrets become the string `"[secret]"`, unknowns `"[unknown]"`, assets and resource references
 * short descriptions, so nothing secret can reach a file or a log.
 */
import {
  specialArchiveSig,
  specialAssetSig,
  specialOutputValueSig,
  specialResourceSig,
  specialSecretSig,
  specialSigKey,
  unknownValue,
} from "@pulumi/pulumi/runtime/rpc";

/** The placeholder written wherever a secret value would be. */
export const SECRET_PLACEHOLDER = "[secret]";
/** The placeholder written wherever a value is not known until apply. */
export const UNKNOWN_PLACEHOLDER = "[unknown]";

/**
 * Converts a wire-format value into JSON with every secret redacted.
 *
 * @param value - a value as produced by `serializeProperties` or `Struct.toJavaScript()`.
 * @see https://www.pulumi.com/docs/iac/concepts/secrets/
 */
export function redact(value: unknown): unknown {
  if (value === unknownValue) return UNKNOWN_PLACEHOLDER;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(redact);
  const record = value as Record<string, unknown>;
  switch (record[specialSigKey]) {
    case specialSecretSig:
      return SECRET_PLACEHOLDER;
    case specialOutputValueSig:
      if (record.secret === true) return SECRET_PLACEHOLDER;
      return "value" in record ? redact(record.value) : UNKNOWN_PLACEHOLDER;
    case specialResourceSig:
      return { urn: record.urn, ...(record.id !== undefined ? { id: redact(record.id) } : {}) };
    case specialAssetSig:
      return { asset: record.path ?? record.uri ?? "[text]" };
    case specialArchiveSig:
      return { archive: record.path ?? record.uri ?? "[assets]" };
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(record)) {
    if (inner !== undefined) out[key] = redact(inner);
  }
  return out;
}
