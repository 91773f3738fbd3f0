/**
 * The EKS target, `<package>/eks`: {@link EksCluster} and the AWS add-ons. Importing it loads and
 * type-checks `@pulumi/aws`, an optional peer dependency that an EKS consumer installs.
 *
 * @packageDocumentation
 */
export { EksCluster } from "./platform/eks";
export * from "./addons/eks";
