// Not traffic but the experiment's control: move the generator through three cardinality
// levels, a third of the run each, and confirm every change took.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';

const LEVELS = [1000, 10000, 50000];
let applied = 0;

export default function () {
  const i = Math.min(LEVELS.length - 1, Math.floor(exec.scenario.progress * LEVELS.length));
  if (LEVELS[i] !== applied) {
    const set = http.post(`${__ENV.TARGET_URL}/cardinality?series=${LEVELS[i]}`);
    check(set, { 'level accepted': (r) => r.status === 200 });
    applied = LEVELS[i];
  }
  const read = http.get(`${__ENV.TARGET_URL}/cardinality`);
  check(read, { 'level in effect': (r) => r.status === 200 && r.json('series') === applied });
  sleep(20);
}
