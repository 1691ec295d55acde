/**
 * The multi-process tests' fixture: node processes (src/main.ts or a test entry) on data directories handed out
 * here: by default one that this scope's nodes share (processes on one machine), more on request (machines of
 * their own). Every process is killed and every directory removed after each test, or after the file.
 */
import { killAllProcesses, launchNode, spawnNode, spawnWorker, type NodeOptions, type NodeProcess, type StartingNode, type TestProcess } from './node-process';
import { removeDir, tempDir } from './temp-dir';

export interface ProcessCluster {
  /** The data directory this scope's nodes share. */
  readonly dataDir: string;
  /** Another data directory (a node on a machine of its own), removed with the rest. */
  newDir(): string;
  /** Starts a node on the shared directory (or `dataDir`) and resolves once it listens. */
  spawn(options?: NodeOptions & { dataDir?: string }): Promise<NodeProcess>;
  /** Starts a node on the shared directory (or `dataDir`) and returns it at once (see launchNode). */
  launch(options?: NodeOptions & { dataDir?: string }): StartingNode;
  /** Starts a worker-only node on the shared directory (or `dataDir`). */
  spawnWorker(options?: Omit<NodeOptions, 'netns'> & { dataDir?: string }): Promise<TestProcess>;
}

/** Registers the fixture's hooks (call it at the top of a file or a describe) and returns its handle. */
export function processCluster({ per = 'test' }: { per?: 'test' | 'file' } = {}): ProcessCluster {
  let dirs: string[] = [];
  const newDir = (): string => {
    const dir = tempDir('tracking-cluster-');
    dirs.push(dir);
    return dir;
  };
  let shared: string | undefined;
  const dataDir = (): string => (shared ??= newDir());
  const cleanUp = async (): Promise<void> => {
    await killAllProcesses();
    for (const dir of dirs) removeDir(dir);
    dirs = [];
    shared = undefined;
  };
  if (per === 'test') afterEach(cleanUp);
  else afterAll(cleanUp);
  return {
    get dataDir() {
      return dataDir();
    },
    newDir,
    spawn: ({ dataDir: dir = dataDir(), ...options } = {}) => spawnNode(dir, options),
    launch: ({ dataDir: dir = dataDir(), ...options } = {}) => launchNode(dir, options),
    spawnWorker: ({ dataDir: dir = dataDir(), ...options } = {}) => spawnWorker(dir, options),
  };
}
