import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { parse, stringify } from 'yaml';

import { REPOSITORY_ROOT } from './dockerfile';

/**
 * deploy/base/monitoring/ is generated from docs/alerts.yaml and docs/grafana-dashboard.json, the single sources of
 * the alert rules and the dashboard: `npm run deploy:generate` writes the files, and test/deploy/manifests.test.ts
 * fails when they are not what it would write.
 */

const HEADER = (source: string): string =>
  `# Generated from ${source} by \`npm run deploy:generate\` (test/deploy/monitoring.ts): edit that file, not this one.\n`;

const LABELS = { 'app.kubernetes.io/name': 'gameliftstreams-reconnect' };

/** docs/alerts.yaml's groups, as the Prometheus Operator loads rules: a PrometheusRule. */
export function prometheusRuleYaml(alerts: string): string {
  const rules: unknown = parse(alerts);
  const groups = typeof rules === 'object' && rules !== null && 'groups' in rules ? rules.groups : undefined;
  if (!Array.isArray(groups)) throw new Error('docs/alerts.yaml has no groups');
  const object = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'gameliftstreams-reconnect', labels: LABELS },
    spec: { groups },
  };
  return `${HEADER('docs/alerts.yaml')}${stringify(object, { lineWidth: 0 })}`;
}

/** docs/grafana-dashboard.json, as Grafana's dashboard sidecar finds dashboards: a ConfigMap labelled for it. */
export function dashboardConfigMapYaml(dashboard: string): string {
  JSON.parse(dashboard);
  const object = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'gameliftstreams-reconnect-dashboard', labels: { ...LABELS, grafana_dashboard: '1' } },
    data: { 'gameliftstreams-reconnect.json': dashboard },
  };
  return `${HEADER('docs/grafana-dashboard.json')}${stringify(object, { lineWidth: 0 })}`;
}

/** Each generated file with what it should hold now. */
export function generatedMonitoringFiles(root: string = REPOSITORY_ROOT): ReadonlyArray<{
  readonly file: string;
  readonly expected: string;
}> {
  const docs = (name: string): string => readFileSync(path.join(root, 'docs', name), 'utf8');
  const monitoring = path.join(root, 'deploy', 'base', 'monitoring');
  return [
    { file: path.join(monitoring, 'prometheusrule.yaml'), expected: prometheusRuleYaml(docs('alerts.yaml')) },
    {
      file: path.join(monitoring, 'grafana-dashboard.yaml'),
      expected: dashboardConfigMapYaml(docs('grafana-dashboard.json')),
    },
  ];
}

if (require.main === module) {
  for (const { file, expected } of generatedMonitoringFiles()) {
    writeFileSync(file, expected);
    process.stdout.write(`wrote ${path.relative(REPOSITORY_ROOT, file)}\n`);
  }
}
