/**
 * The notification tests' fixture: an SMTP server (and, when asked, a Twilio stand-in) for the file, and for each
 * test, or for the whole file, a REDIS_PREFIX and a data directory of its own, the nodes and worker processes
 * started on them (one cluster), and what their alert workers did. Everything is stopped, the directory removed and
 * the prefix's keys dropped afterwards.
 */
import { AlertRecorder } from './alerts';
import { unique } from './ids';
import { startTestNode, type StartOptions, type TestNode } from './node';
import { killAllProcesses, spawnWorker, type Entry, type TestProcess } from './node-process';
import { dropPrefix } from './redis-keys';
import { startSmtp, type SmtpOptions, type SmtpServerHandle } from './smtp';
import { removeDir, tempDir } from './temp-dir';
import { withTenant, type TenantNode } from './tenant-node';
import { startTwilioStandIn, type TwilioOptions, type TwilioStandIn } from './twilio';

export const MAIL_FROM = 'alerts@shop.example';

/** The settings every notification test node gets: both channels pointed at the stand-ins, fast retries. */
export function notifyEnv(
  prefix: string,
  channels: { smtp?: SmtpServerHandle; twilio?: TwilioStandIn },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REDIS_PREFIX: prefix,
    NOTIFY_BACKOFF_MS: '200',
    NOTIFY_ATTEMPTS: '3',
    MAIL_FROM,
    ...(channels.smtp ? { SMTP_URL: channels.smtp.url } : {}),
    ...(channels.twilio ? channels.twilio.env() : {}),
    ...extra,
  };
}

export interface NotifyAreaOptions {
  /** The SMTP server's answers (see startSmtp), or false for no SMTP server. @default an accepting server */
  smtp?: SmtpOptions | boolean;
  /** The Twilio stand-in's answers (see startTwilioStandIn), or true for an accepting one. @default none */
  twilio?: TwilioOptions | boolean;
  /** Whether each test gets a prefix, a data directory and nodes of its own, or the file shares them. @default test */
  per?: 'test' | 'file';
}

export interface NotifyArea {
  readonly smtp: SmtpServerHandle;
  readonly twilio: TwilioStandIn;
  /** The REDIS_PREFIX of this test's (or file's) nodes. */
  readonly prefix: string;
  /** The DATA_DIR its nodes share. */
  readonly dataDir: string;
  /** What the alert workers of the nodes started here did. */
  readonly alerts: AlertRecorder;
  /** The notification settings for this prefix and these channels, and `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Starts an in-process node with the notification settings and `extra`, watched by `alerts`. */
  startNode(extra?: Record<string, string>, deps?: Omit<StartOptions, 'dataDir' | 'env'>): Promise<TestNode>;
  /** Starts such a node and creates a tenant on it: the node, the tenant and its business client. */
  startTenantNode(extra?: Record<string, string>): Promise<TenantNode>;
  /** Starts a worker-only process with the notification settings and `extra`, from `entry`. */
  spawnWorker(extra?: Record<string, string>, entry?: Entry): Promise<TestProcess>;
}

interface Scope {
  prefix: string;
  dataDir: string;
  alerts: AlertRecorder;
  nodes: TestNode[];
}

/** Registers the fixture's hooks (call it at the top of a file or a describe) and returns its handle. */
export function notifyArea(name: string, { smtp: smtpOptions = true, twilio: twilioOptions = false, per = 'test' }: NotifyAreaOptions = {}): NotifyArea {
  let smtp: SmtpServerHandle | undefined;
  let twilio: TwilioStandIn | undefined;
  let scope: Scope | undefined;
  const current = (): Scope => {
    if (!scope) throw new Error(`the ${name} notification fixture is used outside its ${per === 'test' ? 'tests' : 'file'}`);
    return scope;
  };
  const channels = () => ({ smtp, twilio });

  const open = (): void => {
    scope = { prefix: unique(name), dataDir: tempDir(), alerts: new AlertRecorder(), nodes: [] };
  };
  const close = async (): Promise<void> => {
    const closing = scope;
    scope = undefined;
    if (!closing) return;
    closing.alerts.detach();
    await killAllProcesses();
    for (const node of closing.nodes.reverse()) await node.close({ keepData: true });
    removeDir(closing.dataDir);
    await dropPrefix(closing.prefix);
  };

  beforeAll(async () => {
    if (smtpOptions) smtp = await startSmtp(smtpOptions === true ? {} : smtpOptions);
    if (twilioOptions) twilio = await startTwilioStandIn(twilioOptions === true ? {} : twilioOptions);
    if (per === 'file') open();
  });
  afterAll(async () => {
    if (per === 'file') await close();
    await twilio?.close();
    await smtp?.close();
  });
  if (per === 'test') {
    beforeEach(open);
    afterEach(close);
  }

  const env = (extra: Record<string, string> = {}) => notifyEnv(current().prefix, channels(), extra);
  const startNode = async (extra: Record<string, string> = {}, deps: Omit<StartOptions, 'dataDir' | 'env'> = {}): Promise<TestNode> => {
    const { dataDir, nodes, alerts } = current();
    const node = await startTestNode({ ...deps, dataDir, env: env(extra) });
    nodes.push(node);
    alerts.attach(node.node);
    return node;
  };
  return {
    get smtp() {
      if (!smtp) throw new Error(`the ${name} notification fixture has no SMTP server`);
      return smtp;
    },
    get twilio() {
      if (!twilio) throw new Error(`the ${name} notification fixture has no Twilio stand-in`);
      return twilio;
    },
    get prefix() {
      return current().prefix;
    },
    get dataDir() {
      return current().dataDir;
    },
    get alerts() {
      return current().alerts;
    },
    env,
    startNode,
    startTenantNode: async (extra = {}) => withTenant(await startNode(extra)),
    spawnWorker: (extra = {}, entry) => spawnWorker(current().dataDir, { env: env(extra), entry }),
  };
}
