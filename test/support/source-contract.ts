import { describeSourcesContract, type SourceStoresFactory } from './contracts/sources';

export { buildSource, type SourceStores, type SourceStoresFactory } from './contracts/sources';

/**
 * The SourceDirectory contract (`contracts/sources.ts`) under `name`, run against any adapter: its factory hands two
 * directories over one database (two nodes) and the order log beside them.
 */
export function describeSourceContract(name: string, factory: SourceStoresFactory): void {
  describe(name, () => describeSourcesContract(factory));
}
