import { describePrivacyContract, describeStoreContract } from '../support/store-contract';
import { postgresStore } from '../support/postgres';

describeStoreContract('PostgresStore contract', async () => {
  const { store, drop } = postgresStore();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await drop();
    },
  };
});

describePrivacyContract('PostgresStore', async () => {
  const { store, drop } = postgresStore();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await drop();
    },
  };
});
