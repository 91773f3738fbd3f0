/**
 * The component provider host: serves the multi-language components (`components/multi-language`)
 * to Pulumi programs in any language. The Pulumi CLI runs it through `PulumiPlugin.yaml`
 * (`runtime: nodejs`) after `pulumi package add <path to this directory>`; the SDK's analyzer reads
 * this directory's `tsconfig.json` and this file to infer the schema (`schema.json` is a committed
 * copy, checked by test/multi-language.test.ts).
 *
 * @see https://www.pulumi.com/docs/iac/using-pulumi/extending-pulumi/build-a-component/
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import {
  AppService,
  Gateway,
  MessageQueue,
  MULTI_LANGUAGE_PACKAGE,
  ObservabilityStack,
  PostgresCluster,
  RedisCluster,
} from "../components/multi-language";

componentProviderHost({
  name: MULTI_LANGUAGE_PACKAGE,
  components: [AppService, PostgresCluster, RedisCluster, MessageQueue, Gateway, ObservabilityStack],
  dirname: __dirname,
}).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
