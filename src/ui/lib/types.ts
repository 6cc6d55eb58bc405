// The parts of Marathon's v2 JSON the UI reads (spec/marathon-api.md §3.5, §5.4, §5.5, §6.4),
// plus marathon-vnet's networkInterfaces extension (DESIGN §3). Every field the server may omit
// is optional: the UI must render whatever arrives.

export interface InterfaceSpec {
  networkName?: string;
  interfaceName?: string;
  bootproto?: string;
  ipAddress?: string;
  ipAddresses?: string[];
  ipRange?: string;
  netmask?: string | number;
  gateway?: string;
  macAddress?: string;
}

export interface TaskInterface {
  networkName?: string;
  interfaceName?: string;
  macAddress?: string;
  ipAddress?: string;
  prefixLength?: number;
  gateway?: string;
  bootproto?: string;
}

export interface TaskIpAddress {
  ipAddress: string;
  protocol?: string;
}

export interface Task {
  id: string;
  appId?: string;
  host?: string;
  slaveId?: string;
  state?: string;
  stagedAt?: string;
  startedAt?: string;
  version?: string;
  ipAddresses?: TaskIpAddress[];
  networkInterfaces?: TaskInterface[];
  /** the agent's status message, when the server reports it */
  message?: string;
  ports?: number[];
  servicePorts?: number[];
  healthCheckResults?: Array<{ alive?: boolean; consecutiveFailures?: number; lastFailureCause?: string | null }>;
}

export interface TaskFailure {
  appId?: string;
  host?: string;
  message?: string;
  state?: string;
  taskId?: string;
  timestamp?: string;
  version?: string;
}

export interface App {
  id: string;
  instances?: number;
  cpus?: number;
  mem?: number;
  labels?: Record<string, string>;
  tasksRunning?: number;
  tasksStaged?: number;
  tasksHealthy?: number;
  tasksUnhealthy?: number;
  deployments?: Array<{ id: string }>;
  tasks?: Task[];
  lastTaskFailure?: TaskFailure | null;
  version?: string;
  versionInfo?: { lastScalingAt?: string; lastConfigChangeAt?: string };
  container?: { type?: string; networkInterfaces?: InterfaceSpec[]; [k: string]: unknown } | null;
  networkInterfaces?: InterfaceSpec[];
  [k: string]: unknown;
}

export interface QueueItem {
  count?: number;
  since?: string;
  delay?: { timeLeftSeconds?: number; overdue?: boolean } | null;
  app?: { id?: string } | null;
  processedOffersSummary?: { rejectSummaryLastOffers?: Array<{ reason: string; declined?: number; processed?: number }> };
}

export interface DeploymentAction {
  action: string;
  app?: string;
  /** [project] why the app's waiting instances have not launched (launch-queue reasons). */
  waitingFor?: Array<{ reason: string; declined: number }>;
}

export interface Deployment {
  id: string;
  version?: string;
  affectedApps?: string[];
  steps?: Array<{ actions?: DeploymentAction[] }>;
  currentActions?: DeploymentAction[];
  currentStep?: number;
  totalSteps?: number;
}

/** Marathon's error detail: `path` (new) or `attribute` (legacy), with its messages. */
export interface ErrorDetail {
  path?: string;
  attribute?: string;
  errors?: string[];
  error?: string;
}
