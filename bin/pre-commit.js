#!/usr/bin/env node
// The `hostns-check-pre-commit` command that the hooks of .pre-commit-hooks.yaml run:
//   hostns-check-pre-commit charts|overlays|manifests [--option=value ...] FILE...
// pre-commit passes the staged files that match a hook; this finds what they belong to (the
// chart holding a Chart.yaml, values file or template; the folder holding a kustomization), checks
// each once with `hostns-check helm|kustomize|scan`, prints the reports and exits with the worst
// code (0 clean, 1 findings, 2 errors). Options for hostns-check come before the files, each as
// one argument (`--config=.hostns-check.yaml`), since pre-commit appends the files after them.
'use strict';
const { existsSync, statSync } = require('node:fs');
const path = require('node:path');
const { run } = require('./run.js');

const KUSTOMIZATIONS = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

function isFile(file) {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The nearest folder at or above `dir` (not above the working folder) that has one of `names`. */
function nearest(dir, names) {
  const top = process.cwd();
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (names.some((name) => isFile(path.join(at, name)))) return at;
    if (at === top || path.dirname(at) === at || !at.startsWith(top + path.sep)) return undefined;
  }
}

/** A chart's outermost chart: a subchart under `charts/` is checked through its parent. */
function chartOf(file) {
  let chart = nearest(path.dirname(file), ['Chart.yaml']);
  while (chart && path.basename(path.dirname(chart)) === 'charts') {
    const parent = path.dirname(path.dirname(chart));
    if (!isFile(path.join(parent, 'Chart.yaml'))) break;
    chart = parent;
  }
  return chart;
}

const MODES = {
  charts: { command: 'helm', target: chartOf },
  overlays: { command: 'kustomize', target: (file) => nearest(path.dirname(file), KUSTOMIZATIONS) },
  manifests: { command: 'scan', target: (file) => path.resolve(file) },
};

async function main(argv) {
  const [modeName, ...rest] = argv;
  const mode = MODES[modeName];
  if (!mode) {
    process.stderr.write(`usage: hostns-check-pre-commit ${Object.keys(MODES).join('|')} [--option=value ...] FILE...\n`);
    return 2;
  }
  const options = rest.filter((arg) => arg.startsWith('-'));
  const files = rest.filter((arg) => !arg.startsWith('-') && existsSync(arg));
  const targets = [...new Set(files.map(mode.target).filter((target) => target !== undefined))].sort();
  let worst = 0;
  for (const target of targets) {
    const relative = path.relative(process.cwd(), target) || '.';
    const code = await run([mode.command, relative, ...options]);
    worst = Math.max(worst, code);
  }
  return worst;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
