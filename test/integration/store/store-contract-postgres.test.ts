import { postgresStore } from '../../support/postgres';
import { describePrivacyContract, describeStoreContract } from '../../support/store-contract';

describeStoreContract('PostgreSQL store contract', async () => {
  const { store, drop } = postgresStore();
  return {
    store,
    cleanup: async () => {
      await store.lifecycle.close();
      await drop();
    },
  };
});

describePrivacyContract('PostgreSQL store', async () => {
  const { store, drop } = postgresStore();
  return {
    store,
    cleanup: async () => {
      await store.lifecycle.close();
      await drop();
    },
  };
});
