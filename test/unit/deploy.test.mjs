// deploy/: what cannot run here (systemd on a host, a Kubernetes cluster, a container build,
// Grafana) is validated by the tools that judge it: systemd-analyze, promtool, a YAML parser,
// the agent's own config reader, and the metric names the agent really exports.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAgentConfig } from '../../out/test-core/agent-config.mjs';
import { PrometheusMetrics, ProbeTotals } from '../../out/test-core/metrics.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const deploy = (file) => path.join(ROOT, 'deploy', file);

/** The documents of a YAML file, as JSON (PyYAML: python3-yaml, installed by the bootstrap). */
function yamlDocuments(file) {
  const json = execFileSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))', file], { encoding: 'utf8' });
  return JSON.parse(json);
}

describe('deploy/', () => {
  it('the systemd unit passes systemd-analyze verify (run with this checkout\'s probe-lens)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'probe-lens-unit-'));
    try {
      const unit = readFileSync(deploy('systemd/probe-lens-agent.service'), 'utf8');
      assert.match(unit, /^ExecStart=\/usr\/local\/lib\/probe-lens\/bin\/probe-lens agent --config \/etc\/probe-lens\/agent\.jsonc$/m);
      const here = path.join(dir, 'probe-lens-agent.service');
      writeFileSync(here, unit.replace('/usr/local/lib/probe-lens/bin/probe-lens', path.join(ROOT, 'bin', 'probe-lens')));
      const verify = spawnSync('systemd-analyze', ['verify', here], { encoding: 'utf8' });
      assert.equal(verify.status, 0, verify.stderr);
      assert.equal(verify.stderr.trim(), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the example agent config is one the agent reads', () => {
    const config = parseAgentConfig(readFileSync(deploy('agent.jsonc'), 'utf8'), 'agent.jsonc');
    assert.equal(config.metricsListen, ':9464');
    assert.ok(config.probes.length > 0);
  });

  it('the hosts\' scrape config passes promtool check config', () => {
    const check = spawnSync('promtool', ['check', 'config', deploy('prometheus/scrape.yml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS/);
  });

  it('the DaemonSet is privileged in the host\'s PID namespace, serves the port its config listens on, and the cluster scrape config keeps its pods', () => {
    const documents = yamlDocuments(deploy('kubernetes/daemonset.yaml'));
    const byKind = Object.fromEntries(documents.map((document) => [document.kind, document]));
    assert.deepEqual(Object.keys(byKind).sort(), ['ConfigMap', 'DaemonSet', 'Namespace']);
    const config = parseAgentConfig(byKind.ConfigMap.data['agent.jsonc'], 'ConfigMap agent.jsonc');
    const pod = byKind.DaemonSet.spec.template.spec;
    const [agent] = pod.containers;
    assert.equal(pod.hostPID, true);
    assert.equal(agent.securityContext.privileged, true);
    assert.deepEqual(agent.args, ['agent', '--config', '/etc/probe-lens/agent.jsonc']);
    assert.equal(`:${agent.ports.find((port) => port.name === 'metrics').containerPort}`, config.metricsListen);
    assert.ok(config.probes.every((probe) => probe.startsWith('/host/')), 'node paths under /host, where the node\'s root is mounted');
    assert.deepEqual(agent.volumeMounts.map((mount) => mount.mountPath).sort(), ['/etc/probe-lens', '/host', '/sys']);
    const name = byKind.DaemonSet.spec.selector.matchLabels['app.kubernetes.io/name'];
    assert.equal(byKind.DaemonSet.spec.template.metadata.labels['app.kubernetes.io/name'], name);
    assert.equal(byKind.ConfigMap.metadata.name, pod.volumes.find((volume) => volume.name === 'config').configMap.name);
    const [scrape] = yamlDocuments(deploy('kubernetes/scrape.yml'));
    const job = scrape.scrape_configs[0];
    assert.deepEqual(job.kubernetes_sd_configs, [{ role: 'pod' }]);
    const keep = job.relabel_configs.filter((rule) => rule.action === 'keep').map((rule) => [rule.source_labels[0], rule.regex]);
    assert.deepEqual(keep, [['__meta_kubernetes_pod_label_app_kubernetes_io_name', name], ['__meta_kubernetes_pod_container_port_name', 'metrics']]);
  });

  it('the Containerfile copies what the build makes, where the CLI looks for it', () => {
    const sources = [...readFileSync(deploy('container/Containerfile'), 'utf8').matchAll(/^COPY --from=build (.+) \S+$/gm)].flatMap((match) => match[1].split(' '));
    assert.deepEqual(sources, ['/src/bin', '/src/out/cli.js', '/src/out/probe-lens-symbols.node', '/src/native/build/probe-lens-helper']);
    for (const source of sources) assert.ok(existsSync(path.join(ROOT, source.replace('/src/', ''))), `${source} is built here too`);
  });

  it('the Grafana dashboard asks only for metrics the agent exports, from its Prometheus input', async () => {
    const dashboard = JSON.parse(readFileSync(deploy('grafana/probe-lens.json'), 'utf8'));
    const exported = new Set((await new PrometheusMetrics(new ProbeTotals(), 'h').registry.metrics()).match(/^# TYPE \S+/gm).map((line) => line.slice(7)));
    const targets = dashboard.panels.flatMap((panel) => panel.targets);
    assert.ok(targets.length >= 5);
    assert.deepEqual(new Set(dashboard.panels.map((panel) => panel.id)).size, dashboard.panels.length, 'panel ids unique');
    for (const target of targets) {
      assert.equal(target.datasource.uid, '${DS_PROMETHEUS}');
      for (const [name] of target.expr.matchAll(/probe_lens_\w+/g)) {
        assert.ok(exported.has(name.replace(/_(bucket|sum|count)$/, '')), `${name} in ${target.expr}`);
      }
    }
  });
});
