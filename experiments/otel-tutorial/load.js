// Sign-ups and look-ups on the user service; each sign-up fans out to order and payment.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { check, sleep } from 'k6';

const base = __ENV.TARGET_URL;

export default function () {
  const created = http.post(`${base}/api/users`, null, { tags: { route: '/api/users' } });
  check(created, { 'user created': (r) => r.status === 201 || r.status === 200 });
  const id = created.status < 300 ? created.json('id') : 1000;
  const fetched = http.get(`${base}/api/users/${id}`, { tags: { route: '/api/users/{id}' } });
  check(fetched, { 'user fetched': (r) => r.status === 200 });
  sleep(1);
}
