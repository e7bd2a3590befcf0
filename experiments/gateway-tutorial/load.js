// Drives the tutorial's routes through Envoy Gateway's node port. Every route answers on the same
// address; the Host header picks the HTTPRoute, as a browser's would with real DNS.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Rate } from 'k6/metrics';

const base = __ENV.TARGET_URL;
const host = (route) => `${route}.gateway.test`;
// metrics-app (the canary) answers "Hello from metrics-app! ..."; hello-app answers JSON.
const fromCanary = (r) => typeof r.body === 'string' && r.body.includes('metrics-app');
// Share of the split route's answers that came from the canary: about 0.1 with weights 90/10.
const splitToCanary = new Rate('split_to_canary');

function get(route, headers, tag) {
  return http.get(`${base}/`, { headers: { Host: host(route), ...headers }, tags: { route: tag } });
}

export default function () {
  const hello = get('hello', {}, 'hello');
  check(hello, {
    'hello answers 200': (r) => r.status === 200,
    'hello reaches the primary': (r) => !fromCanary(r),
  });

  const split = get('split', {}, 'split');
  check(split, { 'split answers 200': (r) => r.status === 200 });
  splitToCanary.add(fromCanary(split));

  const canary = get('canary', { 'x-canary': 'always' }, 'canary-header');
  check(canary, { 'the header selects the canary': (r) => r.status === 200 && fromCanary(r) });

  const plain = get('canary', {}, 'canary-plain');
  check(plain, { 'without the header, the primary answers': (r) => r.status === 200 && !fromCanary(r) });

  sleep(0.1);
}
