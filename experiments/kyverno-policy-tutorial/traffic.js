// Light, steady traffic to hello-app while the policies are explored: one request a second.
import http from 'k6/http';
import { check, sleep } from 'k6';

export default function () {
  check(http.get(`${__ENV.TARGET_URL}/`), { 'admitted app answers': (r) => r.status === 200 });
  sleep(1);
}
