// The shape of a vnet-driver network config (spec A3 + DESIGN §5) in TypeBox: each field's type,
// range, pattern or format. Build time only: src/bootstrap/gen-cni-validator.js compiles it with
// Ajv into standalone code (dist/driver/cni/config-validate.js), so the CNI plugin runs the
// generated checks without loading Ajv or TypeBox. Formats are the predicates of
// config-formats.ts. Absent means "default"; a field that may also be null says so. What depends
// on other fields (the mode's required fields, address consistency, link-local ranges, deadlines)
// is checked in config.ts after this shape check, as are the CNI messages of each field.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

// Nullable scalars and enums as one `type` list resp. one `enum` (not anyOf): smaller generated
// code, and each error at the field's own path.
const Nullable = <T extends TSchema & { type: string }>(t: T) => Type.Unsafe<Static<T> | null>({ ...t, type: [t.type, 'null'] });
const Enum = <V extends string>(...values: V[]) => Type.Unsafe<V | null>({ enum: [...values, null] });
const Int = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });

export const OpenVnetShape = Type.Object({
  url: Type.String({ format: 'http-url' }),
  datapath: Type.Optional(Type.String({ format: 'datapath-uuid' })),
  dpid: Type.Optional(Type.String({ format: 'dpid' })),
  nodeId: Type.Optional(Nullable(Type.String({ format: 'token' }))),
  leasePolicy: Type.Optional(Nullable(Type.String({ format: 'lease-policy-uuid' }))),
  displayName: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  timeoutMs: Type.Optional(Int(10, 120000)),
  retries: Type.Optional(Int(0, 10)),
  backoffMs: Type.Optional(Int(0, 10000)),
  username: Type.Optional(Type.String({ pattern: '^[^:\\s]{1,128}$' })),
  passwordFile: Type.Optional(Type.String({ format: 'safe-path' })),
  /** Never in the config (it would reach step logs): passwordFile names a file holding it. */
  password: Type.Optional(Type.Never()),
});

export const NetConfShape = Type.Object({
  /** Checked before the shape (code 1, not 7): requireVersion in version.ts. */
  cniVersion: Type.Optional(Type.Unknown()),
  name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }),
  type: Type.String({ minLength: 1 }),
  mode: Type.Optional(Enum('vif', 'agent-link')),
  bridge: Type.Optional(Nullable(Type.String({ format: 'interface-name' }))),
  bridgeType: Type.Optional(Enum('ovs', 'linux')),
  hostNetns: Type.Optional(Nullable(Type.String({ format: 'safe-path' }))),
  ovsDb: Type.Optional(Nullable(Type.String({ format: 'ovs-db' }))),
  mtu: Type.Optional(Nullable(Int(68, 65535))),
  subnet: Type.Optional(Nullable(Type.String({ format: 'cidr' }))),
  gateway: Type.Optional(Nullable(Type.String({ format: 'ipv4' }))),
  stateDir: Type.Optional(Nullable(Type.String({ format: 'safe-path', not: { const: '/' } }))),
  dhcp: Type.Optional(Type.Object({
    client: Type.Optional(Enum('udhcpc', 'dhclient', 'none')),
    timeoutMs: Type.Optional(Int(100, 600000)),
  })),
  commandTimeoutMs: Type.Optional(Int(100, 120000)),
  daemonSocket: Type.Optional(Type.String({ format: 'safe-path', maxLength: 100 })),
  deadlineMs: Type.Optional(Int(1000, 600000)),
  openvnet: Type.Optional(Nullable(OpenVnetShape)),
  // mode agent-link only (config.ts reports them only then):
  agentAddress: Type.Optional(Type.String({ format: 'ipv4' })),
  linkRange: Type.Optional(Type.String({ format: 'cidr' })),
  linkHostAddress: Type.Optional(Nullable(Type.String({ format: 'ipv4' }))),
});

/** A config whose shape checked out (fields that failed are never read). */
export type NetConfInput = Static<typeof NetConfShape>;
export type OpenVnetInput = Static<typeof OpenVnetShape>;
