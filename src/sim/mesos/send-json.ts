// How mesos-sim's master and agents answer their JSON endpoints, including Mesos' JSONP form.
import type http from 'node:http';

/** A JSON body, or with `?jsonp=fn` Mesos' JSONP form `fn(<json>);` as text/javascript. */
export function sendJson(res: http.ServerResponse, value: unknown, jsonp: string | null): void {
  const json = JSON.stringify(value);
  const padded = jsonp !== null && /^[A-Za-z_$][A-Za-z0-9_$.]*$/.test(jsonp);
  const body = padded ? `${jsonp}(${json});` : json;
  res.writeHead(200, { 'Content-Type': padded ? 'text/javascript' : 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}
