/**
 * A throw-away control plane: etcd and kube-apiserver on loopback, on free ports, in a
 * temporary directory holding a CA and serving certificate made with openssl, a service
 * account signing key, and a static token for an admin user in `system:masters` (RBAC).
 *
 * Every process started here is tracked; `stopAll()` (called on success, failure and on
 * SIGINT/SIGTERM by the CLI) stops them and removes the directory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import type { KubeClient } from './kube.js';

export const ADMIN_USER = 'genai-eks-test-admin';

export class ControlPlaneError extends Error {
  override name = 'ControlPlaneError';
}

export interface ControlPlane {
  readonly client: KubeClient;
  readonly dir: string;
  readonly keep: boolean;
  /** A kubeconfig for the admin token (for processes started with `start`). */
  readonly kubeconfig: string;
  /** Files in `dir`: the CA certificate and the service-account signing key. */
  readonly caFile: string;
  readonly serviceAccountKeyFile: string;
  /**
   * Starts another process beside the control plane (log `<dir>/<name>.log`), stopped before
   * kube-apiserver and etcd by `stop`. Rejects if it exits within `settleMs`.
   */
  start(name: string, binary: string, args: string[], env?: NodeJS.ProcessEnv): Managed;
  /** The last lines of a started process's log. */
  logTail(name: string, lines?: number): string;
  /**
   * Stops both processes and removes the directory (unless kept). Idempotent. With
   * `saveEtcdTo`, etcd's data directory is copied there once both have stopped (a snapshot
   * that `StartOptions.etcdSeed` starts from).
   */
  stop(opts?: { saveEtcdTo?: string }): Promise<void>;
}

export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  exited: boolean;
}

const running = new Set<Managed>();
const planes = new Set<ControlPlane>();

/** Stops every control plane this process started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...planes].map((p) => p.stop()));
}

/** Last-resort synchronous cleanup (process 'exit' handler): nothing may outlive the runner. */
export function killAllSync(): void {
  for (const m of running) {
    if (!m.exited) m.child.kill('SIGKILL');
  }
  for (const p of planes) if (!p.keep) rmSync(p.dir, { recursive: true, force: true });
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error)
    throw new ControlPlaneError(`openssl: ${r.error.message} (openssl is needed to make the test CA)`);
  if (r.status !== 0) throw new ControlPlaneError(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** CA, serving certificate (127.0.0.1, localhost), service-account key and admin token file. */
function writeCredentials(dir: string): { token: string } {
  writeFileSync(
    join(dir, 'openssl.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = genai-eks-test',
      '[v3_ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '[v3_server]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = IP:127.0.0.1,DNS:localhost',
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n'),
  );
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      '-config',
      'openssl.cnf',
      '-extensions',
      'v3_ca',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
    ],
    dir,
  );
  openssl(
    ['req', '-new', '-config', 'openssl.cnf', ...ec, '-keyout', 'server.key', '-out', 'server.csr'],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      '2',
      '-extfile',
      'openssl.cnf',
      '-extensions',
      'v3_server',
      '-out',
      'server.crt',
    ],
    dir,
  );
  const sa = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'sec1', format: 'pem' },
  });
  writeFileSync(join(dir, 'sa.key'), sa.privateKey, { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), sa.publicKey);
  const token = randomBytes(32).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, {
    mode: 0o600,
  });
  return { token };
}

/**
 * On Linux, util-linux `setpriv --pdeathsig KILL` makes the kernel kill the child when the
 * runner dies, even by SIGKILL (which no handler sees). Elsewhere the handlers must do.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find(
  (p) => process.platform === 'linux' && existsSync(p),
);

function startProcess(
  name: string,
  binary: string,
  args: string[],
  dir: string,
  env?: NodeJS.ProcessEnv,
): Managed {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, 'a');
  const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', binary, ...args]] : [binary, args];
  const child = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', fd, fd], ...(env ? { env } : {}) });
  closeSync(fd);
  const m: Managed = { name, child, log, exited: false };
  running.add(m);
  child.on('exit', () => {
    m.exited = true;
  });
  child.on('error', () => {
    m.exited = true;
  });
  return m;
}

function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

async function stopProcess(m: Managed): Promise<void> {
  if (m.exited) {
    running.delete(m);
    return;
  }
  const exited = new Promise<void>((r) => m.child.once('exit', () => r()));
  m.child.kill('SIGTERM');
  const timer = setTimeout(() => m.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  running.delete(m);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function etcdHealthy(port: number): Promise<boolean> {
  return new Promise((r) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => r(res.statusCode === 200 && body.includes('"true"')));
    });
    req.on('error', () => r(false));
    req.on('timeout', () => {
      req.destroy();
      r(false);
    });
  });
}

async function waitFor(what: string, m: Managed, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (m.exited) {
      throw new ControlPlaneError(
        `${what} exited during start-up (exit ${m.child.exitCode}); last log lines:\n${tail(m.log)}`,
      );
    }
    if (await check()) return;
    await sleep(250);
  }
  throw new ControlPlaneError(
    `${what} not ready after ${timeoutMs / 1000}s; last log lines:\n${tail(m.log)}`,
  );
}

export interface StartOptions {
  /** Keep the directory (logs, certificates) after stopping. */
  readonly keep?: boolean;
  readonly log?: (s: string) => void;
  /** An etcd data directory saved by `stop({ saveEtcdTo })`: start from a copy of that state. */
  readonly etcdSeed?: string;
}

/** Starts etcd and kube-apiserver and waits for /readyz. */
export async function startControlPlane(bins: Binaries, opts: StartOptions = {}): Promise<ControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'genai-eks-apiserver-'));
  let client: KubeClient;
  let etcdClient: number;
  let etcdPeer: number;
  let apiPort: number;
  const kubeconfig = join(dir, 'kubeconfig');
  try {
    // Loaded here, not at the top: the client library takes 1.5 s to import, which the
    // CLI's other modes (--build-only, --update-go-mod) do not need.
    const { KubeClient } = await import('./kube.js');
    const { token } = writeCredentials(dir);
    [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    if (opts.etcdSeed) cpSync(opts.etcdSeed, join(dir, 'etcd'), { recursive: true });
    client = new KubeClient(`https://127.0.0.1:${apiPort}`, token, readFileSync(join(dir, 'ca.crt'), 'utf8'));
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: test',
        '  cluster:',
        `    server: https://127.0.0.1:${apiPort}`,
        `    certificate-authority: ${join(dir, 'ca.crt')}`,
        'users:',
        '- name: admin',
        '  user:',
        `    token: ${token}`,
        'contexts:',
        '- name: test',
        '  context: {cluster: test, user: admin}',
        'current-context: test',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const procs: Managed[] = [];
  let stopping: Promise<void> | undefined;
  const doStop = async (stopOpts?: { saveEtcdTo?: string }) => {
    client.close();
    // kube-apiserver first: it needs etcd to shut down cleanly.
    for (const m of [...procs].reverse()) await stopProcess(m);
    if (stopOpts?.saveEtcdTo) cpSync(join(dir, 'etcd'), stopOpts.saveEtcdTo, { recursive: true });
    if (opts.keep) opts.log?.(`test:cluster: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    planes.delete(plane);
  };
  const plane: ControlPlane = {
    client,
    dir,
    keep: opts.keep ?? false,
    kubeconfig,
    caFile: join(dir, 'ca.crt'),
    serviceAccountKeyFile: join(dir, 'sa.key'),
    start(name, binary, args, env) {
      const m = startProcess(name, binary, args, dir, env);
      procs.push(m);
      return m;
    },
    logTail(name, lines = 25) {
      return tail(join(dir, `${name}.log`), lines);
    },
    // Every caller (normal end, failure, signal) waits for the same stop.
    stop(stopOpts) {
      stopping ??= doStop(stopOpts);
      return stopping;
    },
  };
  planes.add(plane);
  try {
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = startProcess(
      'etcd',
      bins.etcd,
      [
        '--name=test',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=test=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      dir,
    );
    procs.push(etcd);
    await waitFor('etcd', etcd, () => etcdHealthy(etcdClient), 60_000);
    const apiserver = startProcess(
      'kube-apiserver',
      bins.kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'certs')}`,
        `--tls-cert-file=${join(dir, 'server.crt')}`,
        `--tls-private-key-file=${join(dir, 'server.key')}`,
        `--client-ca-file=${join(dir, 'ca.crt')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--anonymous-auth=false',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.96.0.0/16',
        // EKS runs privileged DaemonSets (CNI, CSI, device plugins): pod templates asking for it must validate.
        '--allow-privileged=true',
        // No kube-controller-manager here: nothing would maintain the `kubernetes` Endpoints.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
      ],
      dir,
    );
    procs.push(apiserver);
    await waitFor('kube-apiserver', apiserver, () => client.ready(), 180_000);
    return plane;
  } catch (e) {
    await plane.stop();
    throw e;
  }
}
