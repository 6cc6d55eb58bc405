// The bundle's stand-ins for axios' optional dependencies (src/bootstrap/bundle-driver.js):
// nothing loads until the package is really used, and then it behaves as the package itself.
import assert from 'node:assert/strict';
import * as path from 'node:path';

const { lazyStandIn } = require(path.resolve(__dirname, '..', '..', '..', 'src', 'bootstrap', 'bundle-driver.js')) as { lazyStandIn(name: string): string };

interface Loaded { standIn: unknown; loads: string[] }

function instantiate(name: string): Loaded {
  const loads: string[] = [];
  const mod = { exports: {} as unknown };
  const req = (n: string): unknown => {
    loads.push(n);
    return require(n);
  };
  new Function('module', 'exports', 'require', 'process', lazyStandIn(name))(mod, mod.exports, req, { env: {} });
  return { standIn: mod.exports, loads };
}

describe('driver: lazy stand-ins for axios optional dependencies (unit)', () => {
  it('loads nothing when only held, truth-tested or type-checked as axios does at load and per request', () => {
    const { standIn, loads } = instantiate('form-data');
    assert.equal(typeof standIn, 'function');
    assert.ok(standIn);
    assert.equal(Object.prototype.toString.call(standIn), '[object Function]');
    assert.deepEqual(loads, []);
  });

  it('constructs, answers instanceof and statics as the real form-data, loading it once', () => {
    const real = require('form-data') as { new (): { append(k: string, v: string): void; getHeaders(): Record<string, string> }; LINE_BREAK: string };
    const { standIn, loads } = instantiate('form-data');
    const FormDataLike = standIn as typeof real;
    const fd = new FormDataLike();
    fd.append('a', 'b');
    assert.ok(fd instanceof real);
    assert.ok(fd instanceof FormDataLike);
    assert.match(fd.getHeaders()['content-type'], /^multipart\/form-data; boundary=/);
    assert.equal(FormDataLike.LINE_BREAK, real.LINE_BREAK);
    assert.equal(Object.getPrototypeOf(FormDataLike), Object.getPrototypeOf(real));
    assert.deepEqual(loads, ['form-data']);
  });

  it('passes property reads of a module object through (https-proxy-agent)', () => {
    const real = require('https-proxy-agent') as Record<string, unknown>;
    const { standIn, loads } = instantiate('https-proxy-agent');
    assert.equal((standIn as Record<string, unknown>).HttpsProxyAgent, real.HttpsProxyAgent);
    assert.deepEqual(loads, ['https-proxy-agent']);
  });
});
