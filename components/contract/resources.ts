/**
 * CPU and memory for one container, as Kubernetes quantities.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface ResourceQuantities {
  /** CPU as millicores (`"250m"`) or cores (`"0.5"`). */
  readonly cpu?: string;
  /** Memory with a binary unit (`"256Mi"`, `"1Gi"`). */
  readonly memory?: string;
}

/**
 * A container's `requests` (what the scheduler reserves) and `limits` (what it may use at most).
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits
 */
export interface ResourceRequirements {
  readonly requests?: ResourceQuantities;
  readonly limits?: ResourceQuantities;
}
