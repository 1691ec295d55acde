import { postgresStore } from '../../support/postgres';
import { describePrivacyContract, describeStoreContract, type StoreFactory } from '../../support/store-contract';

/** Each test gets a database of its own, dropped after. */
const postgresStores: StoreFactory = async () => {
  const { store, drop } = postgresStore();
  return {
    store,
    cleanup: async () => {
      await store.lifecycle.close();
      await drop();
    },
  };
};

describeStoreContract('PostgreSQL store contract', postgresStores);
describePrivacyContract('PostgreSQL store', postgresStores);
