// Smoke load for hello-app: mostly the greeting, now and then the health probe.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { check, sleep } from 'k6';

const base = __ENV.TARGET_URL;

export default function () {
  const path = Math.random() < 0.8 ? '/' : '/healthz';
  const res = http.get(`${base}${path}`, { tags: { route: path } });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'greeting names the app': (r) => path !== '/' || r.json('app') === 'hello-lab',
  });
  sleep(0.2);
}
