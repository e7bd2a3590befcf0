// Loads Envoy Gateway and NGINX Gateway Fabric at once, with the same route (hello.gateway.test,
// served by hello-app) and half of the virtual users each: a gateway that answers faster serves
// more requests. Every request carries a `gateway` tag, which the measures in experiment.yaml
// select on. Virtual users, duration and thresholds come from experiment.yaml (options.json).
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';

// TARGET_URL is Envoy Gateway's node port; both gateways listen on the same kind node.
const node = __ENV.TARGET_URL.replace(/:\d+$/, '');
// The Gateways' node ports, in the order the spec lists the gateways
// (crates/lab/src/gateway_lab.rs, FIRST_GATEWAY_NODE_PORT upwards; a test compares them).
const gateways = [
  { name: 'envoy-gateway', port: 30081 },
  { name: 'nginx-gateway-fabric', port: 30082 },
];

export default function () {
  const gw = gateways[exec.vu.idInTest % gateways.length];
  const res = http.get(`${node}:${gw.port}/`, {
    headers: { Host: 'hello.gateway.test' },
    tags: { gateway: gw.name },
  });
  check(res, {
    'answered 200': (r) => r.status === 200,
    'hello-app answered': (r) => typeof r.body === 'string' && r.body.includes('hello-app'),
  }, { gateway: gw.name });
}
