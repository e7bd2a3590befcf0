// Many small files: each iteration writes one sensor reading as its own file through the
// SeaweedFS filer's HTTP API, then reads it back. TARGET_URL is the filer; the experiment writes
// under its own path so it never touches the buckets the hub's backends use.
import http from 'k6/http';
import { check, sleep } from 'k6';

const base = `${__ENV.TARGET_URL}/seaweedfs-tutorial/sensors`;

export default function () {
  const name = `vu${__VU}-it${__ITER}.json`;
  const reading = JSON.stringify({
    sensor: `deck-${__VU}`,
    celsius: 18 + Math.random() * 8,
    at: Date.now(),
  });
  const put = http.post(`${base}/`, { file: http.file(reading, name, 'application/json') });
  check(put, { 'file stored': (r) => r.status === 201 || r.status === 200 });
  const get = http.get(`${base}/${name}`);
  check(get, { 'file read back': (r) => r.status === 200 && r.body.includes('celsius') });
  sleep(0.2);
}
