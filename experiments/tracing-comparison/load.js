// Traffic through otel-demo (each sign-up is a three-service trace), and now and then the same
// two questions to both backends: find recent traces of a service, then fetch one by id.
// Requests to the backends carry `store` and `question` tags, so k6's latency series in Mimir
// (k6_http_req_duration_p95{store, question}) compare them.
// The backends' addresses are the in-cluster Services of the hub's Tempo and this
// experiment's Jaeger; the load runs on the hub.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { check, sleep } from 'k6';

const app = __ENV.TARGET_URL;
const tempo = 'http://tempo.observability.svc.cluster.local:3100';
const jaeger = 'http://jaeger.tracing-comparison.svc.cluster.local:16686';
const service = 'otel-demo-user';

function traffic() {
  const created = http.post(`${app}/api/users`, null, { tags: { store: 'none', route: '/api/users' } });
  check(created, { 'user created': (r) => r.status === 201 || r.status === 200 });
}

function tempoQuestions() {
  const found = http.get(`${tempo}/api/search?tags=service.name%3D${service}&limit=20`,
    { tags: { store: 'tempo', question: 'search' } });
  check(found, { 'tempo searched': (r) => r.status === 200 });
  const traces = found.status === 200 ? found.json('traces') || [] : [];
  if (traces.length > 0) {
    const one = http.get(`${tempo}/api/traces/${traces[0].traceID}`,
      { tags: { store: 'tempo', question: 'lookup' } });
    check(one, { 'tempo trace fetched': (r) => r.status === 200 });
  }
}

function jaegerQuestions() {
  const found = http.get(`${jaeger}/api/traces?service=${service}&limit=20&lookback=15m`,
    { tags: { store: 'jaeger', question: 'search' } });
  check(found, { 'jaeger searched': (r) => r.status === 200 });
  const traces = found.status === 200 ? found.json('data') || [] : [];
  if (traces.length > 0) {
    const one = http.get(`${jaeger}/api/traces/${traces[0].traceID}`,
      { tags: { store: 'jaeger', question: 'lookup' } });
    check(one, { 'jaeger trace fetched': (r) => r.status === 200 });
  }
}

export default function () {
  traffic();
  if (Math.random() < 0.2) {
    tempoQuestions();
    jaegerQuestions();
  }
  sleep(1);
}
