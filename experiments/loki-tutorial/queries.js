// Query load on Loki: the tutorial's LogQL through the HTTP API, so the workflow proves the
// logs are queryable and Loki's own metrics show what queries cost.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { check, sleep } from 'k6';

const base = __ENV.TARGET_URL;
const queries = [
  'sum by (level) (count_over_time({namespace="loki-tutorial", app="log-generator"}[1m]))',
  '{namespace="loki-tutorial", app="log-generator", level="error"} | json | status >= 500',
];

export default function () {
  for (const query of queries) {
    const url = `${base}/loki/api/v1/query_range?limit=100&query=${encodeURIComponent(query)}`;
    const res = http.get(url, { tags: { route: '/loki/api/v1/query_range' } });
    check(res, {
      'query answered': (r) => r.status === 200,
      'result is non-empty': (r) => r.status === 200 && r.json('data.result').length > 0,
    });
  }
  sleep(2);
}
