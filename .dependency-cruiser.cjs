// The dependency rules of src/ and driver/ (checked in `npm test` by test/unit/layout-dependencies):
// imports run downwards only. Layers, bottom up: src/lib (shared with driver/) → src/core (the pure
// model and rules: apps → deploy → scheduler, network) → src/mesos, src/state → src/runtime (the one
// writer and the Mesos-facing shell) → src/server → src/sim (emulators) → src/local → src/cli.
// Paths are relative to the directory depcruise runs in (the repository, or a test's fixture tree).

/** The pure core: the model and its rules, tested without I/O. */
const CORE = '^src/core/';
/**
 * src/lib's pure modules (no I/O, no time): what the core may use. `schema` is among them on
 * purpose: the core reads untrusted app JSON through TypeBox schemas checked by Ajv (code
 * generation and checks in memory, no I/O).
 */
const PURE_LIB = '^src/lib/(ipv4|mac|log|clock|schema)[.]ts$';
/** What the core may import for values: itself, src/lib's pure modules, the Mesos wire types. */
const CORE_MAY_IMPORT = `${CORE}|${PURE_LIB}|^src/mesos/types[.]ts$`;
/** Modules that do I/O (files, sockets, processes, HTTP, ZooKeeper, logging sinks). */
const IO = '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|readline)$|^(axios|node-zookeeper-client|fastify|pino|prom-client)($|/)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module may import itself through others: layers need a direction.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'driver-imports-only-lib',
      comment: 'vnet-driver is a short-lived CNI process: of src/ it loads only src/lib.',
      severity: 'error',
      from: { path: '^driver/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'lib-is-the-bottom',
      comment: 'src/lib is shared by src/ and driver/ and imports neither.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^(src|driver)/', pathNot: '^src/lib/' },
    },
    {
      name: 'core-imports-no-io',
      comment: 'The pure core (and the lib modules it uses) import no I/O module.',
      severity: 'error',
      from: { path: `${CORE}|${PURE_LIB}` },
      to: { path: IO },
    },
    {
      name: 'core-imports-only-core',
      comment: 'The pure core imports values only from the core, pure src/lib modules and the Mesos wire types (types may come from anywhere below the CLI).',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^src/', pathNot: CORE_MAY_IMPORT, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-not-above-runtime',
      comment: 'Not even types of the runtime, the server, the CLI or the emulators reach the core.',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^src/(cli|server|runtime|state|sim|local)/' },
    },
    {
      name: 'apps-below-network',
      comment: 'App definitions are the model the network mapping reads, not the other way round.',
      severity: 'error',
      from: { path: '^src/core/apps/' },
      to: { path: '^src/core/(network|deploy|scheduler)/' },
    },
    {
      name: 'deploy-below-scheduler',
      comment: 'Plans are pure; the scheduler carries them out.',
      severity: 'error',
      from: { path: '^src/core/deploy/' },
      to: { path: '^src/core/scheduler/' },
    },
    {
      name: 'security-below-api',
      comment: 'The API registers the security layer; the security layer knows only src/server and src/lib.',
      severity: 'error',
      from: { path: '^src/server/security/' },
      to: { path: '^src/server/(api|ui)/' },
    },
    {
      name: 'runtime-below-server',
      comment: 'The runtime, the Mesos client and the stores serve the HTTP layer; they never call into it.',
      severity: 'error',
      from: { path: '^src/(runtime|mesos|state)/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'production-needs-no-emulator',
      comment: 'serve runs against real Mesos and OpenVNet: below the CLI, only the local runner uses the emulators.',
      severity: 'error',
      from: { path: '^src/(lib|core|mesos|state|runtime|server)/' },
      to: { path: '^src/(sim|local)/' },
    },
    {
      name: 'cli-is-the-top',
      comment: 'Only the CLI composes; nothing below imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'driver-cni-is-the-protocol-model',
      comment: 'driver/cni (config, errors, results, interface spec) sits below the commands, the core and the plumbing.',
      severity: 'error',
      from: { path: '^driver/cni/' },
      to: { path: '^driver/', pathNot: '^driver/cni/' },
    },
    {
      name: 'driver-plumbing-below-core',
      comment: 'plumb/, state/ and openvnet/ are the edges the driver core composes.',
      severity: 'error',
      from: { path: '^driver/(plumb|state|openvnet)/' },
      to: { path: '^driver/(core|commands|cli)/' },
    },
    {
      name: 'driver-core-below-commands',
      severity: 'error',
      from: { path: '^driver/core/' },
      to: { path: '^driver/(commands|cli)/' },
    },
  ],
  options: {
    // Type-only imports count for cycles and layers too (a cycle of types is still a knot).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|src/ui)/' },
    moduleSystems: ['cjs', 'es6'],
  },
};
