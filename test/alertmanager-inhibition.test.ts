/**
 * Inhibition, proven on a real Alertmanager (Debian's `prometheus-alertmanager`, which `.ci/run`
 * installs): the generated configuration is loaded, a critical and a warning alert of one family
 * on one target are posted, and Alertmanager's own API must report the warning inhibited by the
 * critical, while a warning of another family, or of the same family on another target, is not.
 * promtool cannot test inhibition; amtool cannot either. Skipped loudly without the binary.
 *
 * @see https://prometheus.io/docs/alerting/latest/configuration/#inhibit_rule
 * @see https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { alertmanagerConfig } from "../components/observability/alertmanager";
import { toolVersion } from "./support/promtool";

const BINARY = "prometheus-alertmanager";
const present = fs.existsSync(`/usr/bin/${BINARY}`);
const skip = present ? undefined : `${BINARY} not installed: apt-get install -y prometheus-alertmanager (.ci/run does)`;
console.log(skip ? `\n*** SKIPPED: ${skip} ***\n` : `\n${toolVersion("amtool")} (Alertmanager from the same package)\n`);

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

describe("inhibition and notifications on a real Alertmanager", { skip }, () => {
  let child: ChildProcess;
  let base = "";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-"));
  /** What the PagerDuty and Opsgenie receivers sent, by path, to a local stand-in for their APIs. */
  const received: { path: string; body: any }[] = [];
  const sink = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: JSON.parse(body) });
      res.writeHead(202, { "content-type": "application/json" }).end("{}");
    });
  });

  before(async () => {
    await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
    const api = `http://127.0.0.1:${(sink.address() as net.AddressInfo).port}`;
    const config = alertmanagerConfig([
      { name: "on-call", kind: "webhook", url: "https://events.example.com/am", severities: ["critical"] },
      { name: "pager", kind: "pagerduty", routingKey: "R0UT1NG" },
      { name: "genie", kind: "opsgenie", apiKey: "K3Y", apiUrl: `${api}/opsgenie/` },
    ]);
    // Only timing and the API's address change: notifications leave at once, to the local stand-in.
    config.route.group_wait = "1s";
    for (const r of config.receivers) for (const pd of r.pagerduty_configs ?? []) pd.url = `${api}/pagerduty`;
    fs.writeFileSync(path.join(dir, "alertmanager.yml"), stringify(config));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(BINARY, [`--config.file=${path.join(dir, "alertmanager.yml")}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${base}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("Alertmanager did not become ready");
  });

  after(async () => {
    // Alertmanager writes its notification log and silences as it stops: wait, then remove its directory.
    if (child && child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve).kill());
    sink.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("mutes a warning while the critical of its family fires on the same target, and nothing else", async () => {
    const target = { namespace: "apps", service: "api" };
    const alert = (alertname: string, severity: string, alertfamily: string, labels = target) => ({ labels: { alertname, severity, alertfamily, ...labels }, startsAt: new Date().toISOString() });
    const posted = await fetch(`${base}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        alert("HttpErrorRateCritical", "critical", "HttpErrorRate"),
        alert("HttpErrorRateWarning", "warning", "HttpErrorRate"),
        alert("HttpLatencyP99Warning", "warning", "HttpLatencyP99"),
        alert("HttpErrorRateWarning", "warning", "HttpErrorRate", { namespace: "apps", service: "web" }),
      ]),
    });
    assert.equal(posted.status, 200);
    const alerts = (await (await fetch(`${base}/api/v2/alerts`)).json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
    const inhibited = (name: string, service: string) => alerts.find((a) => a.labels.alertname === name && a.labels.service === service)!.status.inhibitedBy.length > 0;
    assert.equal(alerts.length, 4);
    assert.equal(inhibited("HttpErrorRateWarning", "api"), true, "the warning under its critical is muted");
    assert.equal(inhibited("HttpErrorRateCritical", "api"), false);
    assert.equal(inhibited("HttpLatencyP99Warning", "api"), false, "another family's warning still notifies");
    assert.equal(inhibited("HttpErrorRateWarning", "web"), false, "the same warning on another service still notifies");
  });

  it("does not let a chart's critical (no alertfamily) mute another alert's warning, and mutes the chart's own same-name warning", async () => {
    const target = { namespace: "infra", pod: "node-exporter-abc" };
    const alert = (alertname: string, severity: string, labels: Record<string, string>) => ({ labels: { alertname, severity, ...target, ...labels }, startsAt: new Date().toISOString() });
    const posted = await fetch(`${base}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        alert("NodeFilesystemSpaceFillingUp", "critical", {}),
        alert("NodeFilesystemSpaceFillingUp", "warning", {}),
        alert("ContainerMemoryWarning", "warning", { alertfamily: "ContainerMemory" }),
        alert("KubeJobFailed", "warning", {}),
      ]),
    });
    assert.equal(posted.status, 200);
    const alerts = (await (await fetch(`${base}/api/v2/alerts`)).json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
    const inhibited = (name: string, severity: string) => alerts.find((a) => a.labels.alertname === name && a.labels.severity === severity && a.labels.namespace === "infra")!.status.inhibitedBy.length > 0;
    assert.equal(inhibited("ContainerMemoryWarning", "warning"), false, "a platform warning without a critical of its family still notifies");
    assert.equal(inhibited("KubeJobFailed", "warning"), false, "another chart alert's warning still notifies");
    assert.equal(inhibited("NodeFilesystemSpaceFillingUp", "warning"), true, "the chart's warning under its same-name critical is muted");
    assert.equal(inhibited("NodeFilesystemSpaceFillingUp", "critical"), false);
  });

  it("gives PagerDuty a severity and Opsgenie P1 when one notification groups a critical and a warning", async () => {
    // One alert name at two severities on two pods: one group (namespace, alertname) with no common severity.
    const alert = (severity: string, pod: string) => ({ labels: { alertname: "KubePodNotReady", severity, namespace: "mixed", pod }, startsAt: new Date().toISOString() });
    const posted = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([alert("critical", "a-0"), alert("warning", "b-0")]) });
    assert.equal(posted.status, 200);
    const sent = async (prefix: string) => {
      for (let i = 0; i < 150; i++) {
        const hit = received.find((r) => r.path.startsWith(prefix) && JSON.stringify(r.body).includes("KubePodNotReady"));
        if (hit) return hit.body;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`nothing reached ${prefix}`);
    };
    const pagerduty = await sent("/pagerduty");
    assert.equal(pagerduty.payload.severity, "critical", "PagerDuty's Events API v2 rejects an empty severity");
    const opsgenie = await sent("/opsgenie/v2/alerts");
    assert.equal(opsgenie.priority, "P1");
  });
});
