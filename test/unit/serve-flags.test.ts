// serve's --max_instances_per_app: both spellings reach the option, default 100000.
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { maxInstancesFromFlags, registerServe } from '../../src/cli/serve';

function parsed(args: string[]): Record<string, unknown> {
  const program = new Command().exitOverride();
  registerServe(program);
  const serve = program.commands.find((c) => c.name() === 'serve');
  assert.ok(serve);
  serve.action(() => undefined);
  program.parse(['node', 'mvn', 'serve', '--master', '127.0.0.1:5050', ...args]);
  return serve.opts();
}

describe('serve flags: --max_instances_per_app', () => {
  it('defaults to 100000', () => assert.equal(maxInstancesFromFlags(parsed([])), 100000));
  it('takes the underscore and the dash spelling', () => {
    assert.equal(maxInstancesFromFlags(parsed(['--max_instances_per_app', '50'])), 50);
    assert.equal(maxInstancesFromFlags(parsed(['--max-instances-per-app', '7'])), 7);
  });
  it('refuses what is not a non-negative integer', () => {
    assert.throws(() => parsed(['--max_instances_per_app', '-3']));
    assert.throws(() => parsed(['--max_instances_per_app', 'many']));
  });
});
