/**
 * The RedisCluster's backends: which exist, where each runs, and how to load it. Validation and
 * construction both read {@link redisBackends}, so a mode is refused exactly where no backend would
 * run it.
 *
 * @see https://valkey.io/topics/sentinel/
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/WhatIs.html
 * @see https://cloud.google.com/memorystore/docs/redis
 */
import type { PlatformFacts } from "../contract/platform";
import type { ArgProblem } from "../contract/problems";
import { modeProblem, onDocker, onKubernetes, type Backend } from "../data-store/backends";
import { redisSettingsProblems, resolveRedis, type RedisSettings, type ResolvedRedis } from "./spec";
import type { RedisBackendContext, RedisEndpoints } from "./types";

/* eslint-disable @typescript-eslint/no-require-imports */
/** Every backend of the RedisCluster, the first match winning. */
export const redisBackends: readonly Backend<ResolvedRedis, RedisBackendContext, RedisEndpoints>[] = [
  { name: "docker", mode: "in-cluster", targets: ["docker"], load: () => onDocker((require("./docker") as typeof import("./docker")).deployRedisToDocker) },
  { name: "elasticache", mode: "managed", targets: ["eks"], load: () => onKubernetes((require("./aws") as typeof import("./aws")).deployRedisToAws) },
  { name: "memorystore", mode: "managed", targets: ["gke"], load: () => onKubernetes((require("./gcp") as typeof import("./gcp")).deployRedisToGcp) },
  { name: "valkey", mode: "in-cluster", targets: ["eks", "gke", "k3s"], load: () => onKubernetes((require("./kubernetes") as typeof import("./kubernetes")).deployRedisToKubernetes) },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Finds every problem with a RedisCluster's arguments on a target: a mode no backend runs there
 * first, then each setting (see {@link redisSettingsProblems}).
 *
 * @param args - the settings (no platform, no add-ons).
 * @param on - the target's flavour and environment.
 * @returns the problems, each with the field's path; empty when the arguments are usable.
 * @see https://valkey.io/topics/sentinel/
 */
export function validateRedis(args: RedisSettings, on: PlatformFacts): ArgProblem[] {
  const spec = resolveRedis("redis", args, on);
  const mode = modeProblem(redisBackends, spec, on.flavour, "Redis");
  return [...(mode ? [mode] : []), ...redisSettingsProblems(args, on)];
}
