/**
 * The Pulumi program's entry point (`main: stacks/` in Pulumi.yaml). Pulumi calls the exported
 * function; its result becomes the stack outputs. Config is validated before any resource exists.
 */
import { loadConfig } from "./load";
import { main } from "./program";

export = () => main(loadConfig());
