// Steady, light traffic on hello-app while you cause drift and Argo CD heals it: the failure
// rate shows whether self-heal and re-syncs cost any requests.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { check, sleep } from 'k6';

const base = __ENV.TARGET_URL;

export default function () {
  const res = http.get(`${base}/`, { tags: { route: '/' } });
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(0.5);
}
