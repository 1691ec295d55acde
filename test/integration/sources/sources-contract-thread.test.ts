import { createThreadedStore } from '../../../src/store/sqlite/threaded-store';
import { describeSourceContract } from '../../support/source-contract';
import { removeDir, tempDir } from '../../support/temp-dir';

/**
 * The SourceDirectory contract on the embedded store run on its own thread: two stores on one file, each with its
 * thread (two processes sharing the file), so a message claimed twice at once crosses two threads to one database.
 */
describeSourceContract('SQLite store on its own thread: sources', async () => {
  const dataDir = tempDir('source-contract-thread-');
  const store = createThreadedStore({ dataDir });
  await store.lifecycle.init();
  const twin = createThreadedStore({ dataDir });
  await twin.lifecycle.init();
  return {
    sources: store.sources,
    twin: twin.sources,
    orders: store.orders,
    cleanup: async () => {
      await Promise.all([store.lifecycle.close(), twin.lifecycle.close()]);
      removeDir(dataDir);
    },
  };
});
