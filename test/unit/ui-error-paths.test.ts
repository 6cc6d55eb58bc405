import assert from 'node:assert/strict';
import { detailsOf, mapErrorsToEditor, parseErrorPath, scanJson } from '../../src/ui/lib/error-paths';

const SAMPLE = `{
  "id": "vnettest",
  "cmd": "sleep 3600",
  "container": {
    "type": "DOCKER",
    "networkInterfaces": [
      { "networkName": "nw-vnet1", "bootproto": "dhcp", "ipAddress": "" },
      {
        "networkName": "nw-vnet2",
        "bootproto": "static",
        "ipAddress": "10.200.0.999"
      }
    ]
  },
  "env": { "0": "zero" }
}
`;

describe('UI 422 path → editor location', () => {
  it('parses Marathon paths with (index) and [index] segments', () => {
    assert.deepEqual(parseErrorPath('/container/networkInterfaces(1)/ipAddress'), ['container', 'networkInterfaces', 1, 'ipAddress']);
    assert.deepEqual(parseErrorPath('/networks[0]/name'), ['networks', 0, 'name']);
    assert.deepEqual(parseErrorPath('/a(1)(2)'), ['a', 1, 2]);
    assert.deepEqual(parseErrorPath('/'), []);
    assert.deepEqual(parseErrorPath('cpus'), ['cpus'], 'legacy attribute names have no slash');
  });

  it('places a nested interface field on the line of its key and selects the key', () => {
    const [e] = mapErrorsToEditor(SAMPLE, [{ path: '/container/networkInterfaces(1)/ipAddress', errors: ['is not a valid IPv4 address'] }]);
    assert.equal(e.line, 11);
    assert.equal(SAMPLE.slice(e.start, e.end), '"ipAddress"');
    assert.equal(e.exact, true);
    assert.deepEqual(e.messages, ['is not a valid IPv4 address']);
    assert.equal(e.column, SAMPLE.split('\n')[10].indexOf('"ipAddress"') + 1);
  });

  it('finds the right element when several share a key on one line', () => {
    const [e] = mapErrorsToEditor(SAMPLE, [{ path: '/container/networkInterfaces(0)/ipAddress', errors: ['x'] }]);
    assert.equal(e.line, 7);
    assert.equal(e.start, SAMPLE.indexOf('"ipAddress": ""'));
  });

  it('marks the nearest enclosing field when the reported field is absent', () => {
    const [e] = mapErrorsToEditor(SAMPLE, [{ path: '/container/networkInterfaces(1)/gateway', errors: ['required with routes'] }]);
    assert.equal(e.exact, false);
    assert.equal(e.line, 8, 'the array element that lacks the field');
    assert.equal(SAMPLE[e.start], '{');
  });

  it('maps whole-object errors ("/") to the first line', () => {
    const [e] = mapErrorsToEditor(SAMPLE, [{ path: '/', errors: ['cmd and args'] }]);
    assert.equal(e.line, 1);
    assert.equal(e.exact, true);
  });

  it('finds /container/networkInterfaces errors for the top-level alias and vice versa', () => {
    const top = '{\n  "id": "a",\n  "networkInterfaces": [\n    { "networkName": "" }\n  ]\n}';
    const [e] = mapErrorsToEditor(top, [{ path: '/container/networkInterfaces(0)/networkName', errors: ['required'] }]);
    assert.equal(e.line, 4);
    assert.equal(e.exact, true);
  });

  it('accepts the legacy attribute form and a numeric object key', () => {
    const [a, b] = mapErrorsToEditor(SAMPLE, [{ attribute: 'cmd', error: 'bad' }, { path: '/env(0)', errors: ['y'] }]);
    assert.equal(a.line, 3);
    assert.deepEqual(a.messages, ['bad']);
    assert.equal(b.line, 15);
    assert.equal(b.exact, true);
  });

  it('reports where JSON syntax breaks', () => {
    const r = scanJson('{\n  "id": "x",\n  "cpus": 0.1,\n}\n');
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual([r.line, r.column], [4, 1]);
    assert.equal(scanJson('[1, 2] x').ok, false);
    assert.equal(scanJson('"unterminated').ok, false);
    assert.equal(scanJson('{"a": [true, null, -1.5e3, "q\\"x"]}').ok, true);
  });

  it('extracts details from 422 bodies and the 400 string form', () => {
    assert.deepEqual(detailsOf({ message: 'Object is not valid', details: [{ path: '/id', errors: ['bad'] }, null] }), [{ path: '/id', errors: ['bad'] }]);
    assert.deepEqual(detailsOf({ message: 'Invalid JSON', details: 'Unexpected token' }), [{ path: '/', errors: ['Unexpected token'] }]);
    assert.deepEqual(detailsOf('oops'), []);
  });
});
