// The tutorial's LogQL questions against Loki through its HTTP API, over and over: the load
// that Loki's query metrics and k6's own latency figures (in Mimir) describe.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { check, sleep } from 'k6';

const base = __ENV.TARGET_URL;
const questions = {
  'levels': 'sum by (level) (count_over_time({namespace="logging-comparison", app="log-generator"}[5m]))',
  'free-text': '{namespace="logging-comparison", app="log-generator"} |= "rate limit"',
  'server-errors': '{namespace="logging-comparison", app="log-generator", level="error"} | json | status >= 500',
};

export default function () {
  for (const [question, query] of Object.entries(questions)) {
    const res = http.get(
      `${base}/loki/api/v1/query_range?limit=100&query=${encodeURIComponent(query)}`,
      { tags: { route: '/loki/api/v1/query_range', question } },
    );
    check(res, { 'answered': (r) => r.status === 200 });
  }
  sleep(2);
}
