import type { MongoContext } from '../mongo/context';
import type { PaymentProviderDocument } from './mongo-document';
import type { PaymentProviderChanges, PaymentProviderDirectory, StoredPaymentProvider } from './port';

/** Tenants' payment providers on MongoDB, one document each. */
export class MongoPaymentProviderDirectory implements PaymentProviderDirectory {
  constructor(private readonly db: Pick<MongoContext, 'paymentProviders' | 'run'>) {}

  createPaymentProvider(provider: StoredPaymentProvider): Promise<void> {
    return this.db.run(async () => {
      const { id, ...rest } = provider;
      await this.db.paymentProviders.insertOne({ _id: id, ...rest });
    });
  }

  listPaymentProviders(tenantId: string): Promise<StoredPaymentProvider[]> {
    return this.db.run(async () => {
      const docs = await this.db.paymentProviders.find({ tenant_id: tenantId }, { sort: { created_at: 1, _id: 1 } }).toArray();
      return docs.map(documentToProvider);
    });
  }

  getPaymentProvider(tenantId: string, providerId: string): Promise<StoredPaymentProvider | null> {
    return this.db.run(async () => {
      const doc = await this.db.paymentProviders.findOne({ _id: providerId, tenant_id: tenantId });
      return doc ? documentToProvider(doc) : null;
    });
  }

  findPaymentProvider(providerId: string): Promise<StoredPaymentProvider | null> {
    return this.db.run(async () => {
      const doc = await this.db.paymentProviders.findOne({ _id: providerId });
      return doc ? documentToProvider(doc) : null;
    });
  }

  updatePaymentProvider(tenantId: string, providerId: string, changes: PaymentProviderChanges): Promise<StoredPaymentProvider | null> {
    return this.db.run(async () => {
      const set: Partial<PaymentProviderDocument> = { updated_at: changes.updated_at };
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.credentials !== undefined) set.credentials = changes.credentials;
      if (changes.enabled !== undefined) set.enabled = changes.enabled;
      const doc = await this.db.paymentProviders.findOneAndUpdate({ _id: providerId, tenant_id: tenantId }, { $set: set }, { returnDocument: 'after' });
      return doc ? documentToProvider(doc) : null;
    });
  }

  deletePaymentProvider(tenantId: string, providerId: string): Promise<boolean> {
    return this.db.run(async () => {
      const { deletedCount } = await this.db.paymentProviders.deleteOne({ _id: providerId, tenant_id: tenantId });
      return deletedCount > 0;
    });
  }
}

function documentToProvider(doc: PaymentProviderDocument): StoredPaymentProvider {
  return {
    id: doc._id,
    tenant_id: doc.tenant_id,
    provider: doc.provider,
    name: doc.name,
    credentials: doc.credentials,
    enabled: doc.enabled,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
  };
}
