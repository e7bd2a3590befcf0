// Burns error budget: one request in five goes to /error, which fails at metrics-app's
// ERROR_RATE (0.3 here), so about 6% of all requests fail: a 60x burn of a 99.9% objective.
// Virtual users, duration and thresholds come from experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { sleep } from 'k6';

const base = __ENV.TARGET_URL;

// 5xx answers are the point of this load, not a failure of it.
http.setResponseCallback(http.expectedStatuses(200, 500));

export default function () {
  const path = Math.random() < 0.2 ? '/error' : '/';
  http.get(`${base}${path}`, { tags: { route: path } });
  sleep(0.1);
}
