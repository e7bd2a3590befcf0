// A smoke test of the admitted hello-app: the greeting and the health endpoint answer.
import http from 'k6/http';
import { check, sleep } from 'k6';

export default function () {
  const hello = http.get(`${__ENV.TARGET_URL}/`);
  check(hello, { 'greets': (r) => r.status === 200 });
  const health = http.get(`${__ENV.TARGET_URL}/healthz`);
  check(health, { 'healthy': (r) => r.status === 200 });
  sleep(0.5);
}
