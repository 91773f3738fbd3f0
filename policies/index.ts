/**
 * The platform policy pack, for `pulumi preview --policy-pack policies`.
 *
 * This is the only module that constructs the `PolicyPack`: doing so starts the analyzer's gRPC
 * server. Tests and the offline plan import the rules from `./rules` instead.
 *
 * @see https://www.pulumi.com/docs/insights/policy/policy-packs/authoring/
 */
import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

new PolicyPack("platform-policies", { policies: rules });
