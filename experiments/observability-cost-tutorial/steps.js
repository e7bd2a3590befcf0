// The experiment's control, not a load: step the cardinality generator's series count as the
// run progresses (1,000, then 10,000, then 50,000), one change per step, then read it back.
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';

const STEPS = [1000, 10000, 50000];
let current = 0;

export default function () {
  const step = Math.min(STEPS.length - 1, Math.floor(exec.scenario.progress * STEPS.length));
  const series = STEPS[step];
  if (series !== current) {
    const res = http.post(`${__ENV.TARGET_URL}/cardinality?series=${series}`);
    check(res, { 'cardinality changed': (r) => r.status === 200 });
    current = series;
  }
  const now = http.get(`${__ENV.TARGET_URL}/cardinality`);
  check(now, { 'series as set': (r) => r.status === 200 && r.json('series') === current });
  sleep(15);
}
