// Steady baseline load on metrics-app: the fast route, a little work, no failing route.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { check, sleep } from 'k6';

const base = __ENV.TARGET_URL;

export default function () {
  const path = Math.random() < 0.9 ? '/' : '/process';
  const res = http.get(`${base}${path}`, { tags: { route: path } });
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(0.1);
}
