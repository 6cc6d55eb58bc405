// The JSON an app definition is read from (POST/PUT bodies, group members, merged partial updates),
// as TypeBox schemas of JSON types only: which field is a string, a number, an object, a list. Ajv
// checks a body against it and reports every mismatch at once; normalize.ts then reads the typed
// body (defaults, legacy forms) and checks the rules over values. JSON `null` counts as "not
// given" wherever a field may be absent. Unknown fields are allowed here (normalize.ts drops them at
// the top level and refuses them inside networkInterfaces, with messages of its own).
//
// Mismatches become Marathon's (Play JSON's) answer: path `/container/docker/image`, list elements
// as `/fetch(0)/uri`, message `error.expected.jsstring`, kind 'type' (400 "Invalid JSON").
import { OrNull, pointerSteps, Type, typeChecker, WHOLE_MISMATCH, type Static, type TSchema } from '../../lib/schema';
import type { EnvValue, JsonObject, Violation } from './types';

/** May be absent or null. */
const Opt = <T extends TSchema>(t: T) => Type.Optional(OrNull(t));
/** An object whose values all match `t`. */
const MapOf = <T extends TSchema>(t: T) => Type.Unsafe<{ [key: string]: Static<T> }>({ type: 'object', additionalProperties: t });
/** Any object (its fields are read, or checked, elsewhere). */
const AnyObject = Type.Unsafe<JsonObject>({ type: 'object' });
const Str = Opt(Type.String());
const Num = Opt(Type.Number());
const Bool = Opt(Type.Boolean());
const Strings = Opt(Type.Array(Type.String()));
const Labels = Opt(MapOf(Type.String()));

// Fields are declared in the order normalize.ts reads them, so mismatches come out in that order.

const RouteJson = Type.Object({ destination: Str, gateway: Str });

export const InterfaceJson = Type.Object({
  bootproto: Str, networkName: Str, interfaceName: Str, routes: Opt(Type.Array(RouteJson)), labels: Labels,
  ipAddress: Str, ipRange: Str, netmask: Str, gateway: Str, macAddress: Str, ipAddresses: Strings, mtu: Num,
});
export type InterfaceJson = Static<typeof InterfaceJson>;

const PortMappingJson = Type.Object({
  containerPort: Num, servicePort: Num, protocol: Str, hostPort: Num, name: Str, labels: Labels, networkNames: Strings,
});
export type PortMappingJson = Static<typeof PortMappingJson>;

const DockerJson = Type.Object({
  network: Str,
  parameters: Opt(Type.Array(Type.Object({ key: Str, value: Str }))),
  image: Str, forcePullImage: Bool, privileged: Bool, pullConfig: Opt(AnyObject), credential: Opt(AnyObject),
  portMappings: Opt(Type.Array(PortMappingJson)),
});
export type DockerJson = Static<typeof DockerJson>;

const VolumeJson = Type.Object({
  containerPath: Str, mode: Str, hostPath: Str, persistent: Opt(AnyObject), external: Opt(AnyObject), secret: Str,
});

const ContainerJson = Type.Object({
  type: Str, docker: Opt(DockerJson), volumes: Opt(Type.Array(VolumeJson)), portMappings: Opt(Type.Array(PortMappingJson)),
  networkInterfaces: Opt(Type.Array(InterfaceJson)),
});
export type ContainerJson = Static<typeof ContainerJson>;

const IpAddressJson = Type.Object({
  networkName: Str, labels: Labels,
  discovery: Opt(Type.Object({
    ports: Opt(Type.Array(Type.Object({ number: Num, protocol: Str, name: Str, labels: Labels }))),
  })),
});

/** A constraint is a list; its two or three fields are strings (a list of another length is a rule violation, not a type one). */
const ConstraintJson = Type.Unsafe<string[]>({ type: 'array', if: { minItems: 2, maxItems: 3 }, then: { items: { type: 'string' } } });

/** A resource limit: a number or "unlimited" (`pattern` applies to strings only); anything else is "a number expected". */
const LimitJson = Type.Optional(Type.Unsafe<number | 'unlimited' | null>({ type: ['number', 'string', 'null'], pattern: '^unlimited$', [WHOLE_MISMATCH]: true }));

/** An env value: a string or a secret reference; anything else (null too) is "a string expected" at the value. */
const EnvValueJson = Type.Unsafe<EnvValue>({
  type: ['string', 'object'], required: ['secret'], properties: { secret: { type: 'string' } }, [WHOLE_MISMATCH]: true,
});

const AppFields = Type.Object({
  id: Str,
  networkInterfaces: Opt(Type.Array(InterfaceJson)),
  container: Opt(ContainerJson),
  ipAddress: Opt(IpAddressJson),
  networks: Opt(Type.Array(Type.Object({ mode: Str, name: Str, labels: Labels }))),
  env: Opt(MapOf(EnvValueJson)),
  instances: Num, cpus: Num, mem: Num, disk: Num, gpus: Num, executor: Str,
  constraints: Opt(Type.Array(ConstraintJson)),
  labels: Labels,
  fetch: Opt(Type.Array(Type.Object({ uri: Str, executable: Bool, extract: Bool, cache: Bool, destPath: Str }))),
  uris: Strings,
  healthChecks: Opt(Type.Array(AnyObject)),
  readinessChecks: Opt(Type.Array(AnyObject)),
  backoffSeconds: Num, backoffFactor: Num, maxLaunchDelaySeconds: Num,
  upgradeStrategy: Opt(Type.Object({ minimumHealthCapacity: Num, maximumOverCapacity: Num })),
  /** "disabled" or an object (another string is a rule violation). */
  unreachableStrategy: Type.Optional(Type.Unsafe<{ inactiveAfterSeconds?: number | null; expungeAfterSeconds?: number | null } | string | null>({
    type: ['object', 'string', 'null'], properties: { inactiveAfterSeconds: Num, expungeAfterSeconds: Num },
  })),
  killSelection: Str,
  secrets: Opt(MapOf(Type.Object({ source: Str }))),
  cmd: Str, args: Strings, user: Str, acceptedResourceRoles: Strings, role: Str, check: Opt(AnyObject),
  taskKillGracePeriodSeconds: Num, tty: Bool,
  resourceLimits: Opt(Type.Object({ cpus: LimitJson, mem: LimitJson })),
  portDefinitions: Opt(Type.Array(Type.Object({ port: Num, protocol: Str, name: Str, labels: Labels }))),
  /** Numbers — but only checked when portDefinitions are not given (then both must name the same ports, a rule). */
  ports: Opt(Type.Unsafe<number[]>({ type: 'array' })),
  requirePorts: Bool,
  dependencies: Strings,
});

/** Marathon's app definition as JSON types. */
export const AppJson = Type.Unsafe<Static<typeof AppFields>>({
  ...AppFields,
  if: { required: ['portDefinitions'], properties: { portDefinitions: { not: { type: 'null' } } } },
  else: { properties: { ports: { if: { type: 'array' }, then: { type: 'array', items: { type: 'number' } } } } },
});
export type AppJson = Static<typeof AppJson>;

const appJson = typeChecker(AppJson);

/** Compiles the app definition's checker ahead of the first request (a server calls it at start). */
export function prepareAppJson(): void { appJson.compile(); }

/** Marathon's path of a place in the body: `/` for the body, `/a/b` for fields, `(i)` for list elements. */
function marathonPath(body: unknown, pointer: string): string {
  if (pointer === '') return '/';
  // No step that could index a list, nothing escaped: the pointer is the path.
  if (!/\/\d+(\/|$)/.test(pointer) && !pointer.includes('~')) return pointer;
  let path = '';
  pointerSteps(body, pointer, (key, index) => {
    path += index ? `(${key})` : `/${key}`;
  });
  return path;
}

/** The body as typed app JSON, or every JSON type mismatch as a violation of kind 'type'. */
export function readAppJson(raw: unknown): { json: AppJson } | { violations: Violation[] } {
  if (appJson.check(raw)) return { json: raw };
  return {
    violations: appJson.mismatches().map((m) => ({ path: marathonPath(raw, m.pointer), message: `error.expected.js${m.expected ?? 'value'}`, kind: 'type' })),
  };
}
