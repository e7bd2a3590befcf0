// Parses every LogQL and TraceQL query with Grafana's own Lezer grammars (offline, from
// .ci/lezer/node_modules) and writes the PromQL ones as a Prometheus rule file for promtool.
// Lezer parsers never throw: a syntax error is an error node in the tree, so we walk the tree.
// Usage: node .ci/lezer/check-queries.mjs QUERIES.json PROMQL_RULES.json
//        node .ci/lezer/check-queries.mjs --self-test
import { readFileSync, writeFileSync } from 'node:fs';
import { parser as logql } from '@grafana/lezer-logql';
import { parser as traceql } from '@grafana/lezer-traceql';

const parsers = { logql, traceql };

/** The offsets of the error nodes of `text` under `parser`; empty when it parses. */
function errors(parser, text) {
  const found = [];
  parser.parse(text).iterate({
    enter(node) {
      if (node.type.isError) found.push(node.from);
    },
  });
  return found;
}

function selfTest() {
  const cases = [
    ['logql', '{app="x"} |= "e" | json | status >= 500', true],
    ['logql', 'sum by (level) (count_over_time({app="x"}[1m]))', true],
    ['logql', '{app="x" |= "e"', false],
    ['traceql', '{ resource.service.name = "a" } >> { status = error }', true],
    ['traceql', '{ span.a = }', false],
  ];
  let bad = 0;
  for (const [lang, text, ok] of cases) {
    const parsed = errors(parsers[lang], text).length === 0;
    if (parsed !== ok) {
      console.error(`self-test: ${lang} ${JSON.stringify(text)} should ${ok ? '' : 'not '}parse`);
      bad++;
    }
  }
  if (bad) process.exit(1);
  console.log(`self-test: ${cases.length} cases as expected`);
}

if (process.argv[2] === '--self-test') {
  selfTest();
} else {
  const [input, rulesOut] = process.argv.slice(2);
  const queries = JSON.parse(readFileSync(input, 'utf8'));
  const counts = { promql: 0, logql: 0, traceql: 0 };
  const rules = [];
  let failed = 0;
  for (const q of queries) {
    counts[q.language]++;
    const where = `${q.file}:${q.line} (${q.field})`;
    if (q.language === 'promql') {
      // One group per query: promtool names the group, which names the source.
      rules.push({ name: where, rules: [{ record: `experiment:query_${rules.length}`, expr: q.text }] });
      continue;
    }
    for (const at of errors(parsers[q.language], q.text)) {
      const before = q.text.slice(0, at);
      const line = q.line + (before.match(/\n/g) || []).length;
      const col = at - before.lastIndexOf('\n');
      console.error(`${q.file}:${line}:${col}: ${q.language} parse error in ${q.field}: ${q.text}`);
      failed++;
    }
  }
  writeFileSync(rulesOut, JSON.stringify({ groups: rules }, null, 2));
  console.log(`parsed ${counts.logql} LogQL and ${counts.traceql} TraceQL queries; ${counts.promql} PromQL queries written for promtool`);
  if (failed) process.exit(1);
}
